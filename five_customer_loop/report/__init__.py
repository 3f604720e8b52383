from . import loop_customer_analysis
from . import loop_card_customer_report
