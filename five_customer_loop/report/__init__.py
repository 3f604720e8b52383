from . import loop_customer_analysis
from . import customer_archive_report
from . import loop_card_customer_report
from . import loop_referral_report
from . import loop_cohort_analysis
from . import loop_booking_peak_report
