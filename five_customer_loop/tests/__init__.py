from . import test_loop_rules
from . import test_consumption_archive
from . import test_loop_stages
from . import test_funnel_tour
from . import test_retention_rules
from . import test_retention
from . import test_care_reminders
from . import test_dashboard_tour
