"""Pure rules of the bookings (预约管理): no ORM, no database.

The booking states and the transitions between them, the reverse appointment
(反预约) interval and the rates shown to managers.
"""

from datetime import datetime, time, timedelta

BOOKED = "booked"
CONFIRMED = "confirmed"
ARRIVED = "arrived"
DONE = "done"
NO_SHOW = "no_show"
CANCELLED = "cancelled"

# A booking moves forward through booked -> confirmed -> arrived -> done; it can
# end as a no-show or be cancelled before it is done. A no-show or a cancelled
# booking can be booked again. A done booking is part of the customer's history:
# to undo a session, cancel its care record (the card session is given back).
TRANSITIONS = {
    BOOKED: {CONFIRMED, ARRIVED, DONE, NO_SHOW, CANCELLED},
    CONFIRMED: {ARRIVED, DONE, NO_SHOW, CANCELLED},
    ARRIVED: {DONE, CANCELLED},
    DONE: set(),
    NO_SHOW: {BOOKED},
    CANCELLED: {BOOKED},
}

# States in which a booking holds its staff member's time.
FREE_STATES = (NO_SHOW, CANCELLED)
# States a booking may be created in.
INITIAL_STATES = (BOOKED, CONFIRMED)
# Days after its completion during which a new booking of the same customer
# counts as the rebooking (反预约) of a done booking.
REBOOK_WINDOW = timedelta(days=1)

INTERVAL_SERVICE = "service"
INTERVAL_CUSTOMER = "customer"
INTERVAL_DEFAULT = "default"


def can_transition(old, new):
    """Whether a booking in state ``old`` may go to ``new`` (same state: a no-op)."""
    return old == new or new in TRANSITIONS.get(old, ())


def rebook_interval(service_intervals, customer_interval, default_days):
    """Days until the next visit proposed after a service, and where they come from.

    The shortest positive rebooking interval of the services done (the first
    one due), else the customer's own average interval between visits
    (rounded to whole days), else ``default_days``.
    """
    intervals = [days for days in service_intervals if days and days > 0]
    if intervals:
        return min(intervals), INTERVAL_SERVICE
    if customer_interval and round(customer_interval) > 0:
        return int(round(customer_interval)), INTERVAL_CUSTOMER
    return int(default_days), INTERVAL_DEFAULT


def proposed_local_start(day, local_time, interval_days):
    """Naive local datetime ``interval_days`` after ``day``, at ``local_time``."""
    return datetime.combine(day + timedelta(days=interval_days), local_time or time())


def overlaps(start_a, stop_a, start_b, stop_b):
    """Whether two time ranges intersect; ranges that only touch do not."""
    return start_a < stop_b and start_b < stop_a


def rate(part, whole):
    """``part`` out of ``whole`` in percent, rounded to 0.1; 0.0 when ``whole`` is 0."""
    if not whole:
        return 0.0
    return round(100.0 * part / whole, 1)
