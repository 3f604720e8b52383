from . import test_booking_tour
from . import test_online_booking
from . import test_portal
from . import test_online_concurrency
