from . import calendar_event
from . import loop_booking_waitlist
from . import loop_online_booking
from . import loop_settings
from . import res_company
from . import res_users
