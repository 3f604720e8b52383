from . import loop_customer_analysis
