from . import test_loop_rules
from . import test_consumption_archive
from . import test_loop_stages
from . import test_funnel_tour
from . import test_analysis
from . import test_care_records
from . import test_feedback
from . import test_archive_report
