from . import loop_customer_analysis
from . import customer_archive_report
from . import loop_card_customer_report
