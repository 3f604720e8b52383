from . import loop_customer_analysis
from . import customer_archive_report
