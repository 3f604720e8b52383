from . import test_pos_cards
from . import test_staff_credit
from . import test_till_sync
from . import test_pos_tour
