"""Free booking slots: pure rules, no ORM, no database.

A slot is a start time on the store's grid (every ``step`` from local
midnight) at which a booking of ``duration`` fits entirely inside one working
interval of the staff member, starts no earlier than ``earliest`` (now plus
the store's lead time) and overlaps none of her busy intervals (bookings that
hold her time). Touching is fine: a booking may start when another ends.
All datetimes are timezone-aware, in the store's time zone.
"""

from datetime import datetime, time, timedelta


def grid_ceil(moment, step):
    """The first point of the day's grid (every ``step`` from local midnight)
    at or after ``moment``."""
    naive_midnight = datetime.combine(moment.date(), time())
    zone = moment.tzinfo
    # pytz zones localize (the offset of midnight may differ on a DST day)
    midnight = (
        zone.localize(naive_midnight)
        if hasattr(zone, "localize")
        else naive_midnight.replace(tzinfo=zone)
    )
    offset = (moment - midnight) % step
    return moment + (step - offset) if offset else moment


def free_starts(work, busy, duration, step, earliest):
    """Starts of the free slots, in order.

    ``work``: working intervals ``(start, stop)``; ``busy``: intervals the
    staff member is taken; ``duration`` and ``step``: timedeltas;
    ``earliest``: no slot starts before it.
    """
    if duration <= timedelta(0) or step <= timedelta(0):
        raise ValueError("duration and step must be positive")
    busy = sorted(busy)
    starts = []
    for work_start, work_stop in sorted(work):
        start = grid_ceil(max(work_start, earliest), step)
        while start + duration <= work_stop:
            stop = start + duration
            clash = next((b for b in busy if b[0] < stop and b[1] > start), None)
            if clash:
                start = grid_ceil(clash[1], step)
                continue
            starts.append(start)
            start += step
    return starts


def attendances(days, periods):
    """``resource.calendar.attendance`` values: each of ``days`` (0 is
    Monday) from ``hour_from`` to ``hour_to`` of each ``(hour_from, hour_to,
    day_period)`` of ``periods``."""
    return [
        {
            "name": f"{day} {period}",
            "dayofweek": str(day),
            "hour_from": start,
            "hour_to": stop,
            "day_period": period,
        }
        for day in days
        for start, stop, period in periods
    ]
