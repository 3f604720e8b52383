from . import test_loop_rules
from . import test_consumption_archive
from . import test_cards
from . import test_card_reports
from . import test_card_concurrency
