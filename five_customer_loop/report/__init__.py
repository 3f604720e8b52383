from . import loop_customer_analysis
from . import loop_cohort_analysis
