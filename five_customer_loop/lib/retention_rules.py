"""Pure rules of retention and customer care: no ORM, no database.

Month arithmetic of the monthly snapshots, the rates derived from their
counts, and the next solar or lunar (农历) birthday of a customer.
"""

from datetime import date, timedelta

from lunar_python import Lunar, LunarMonth

# The trailing window that makes a customer "active" (客户保有数), in months.
ACTIVE_MONTHS = 12


def month_start(day):
    """First day of the month of ``day``."""
    return date(day.year, day.month, 1)


def add_months(day, months):
    """The first day of the month ``months`` months after the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(first, last):
    """First days of the months from ``first`` to ``last`` (both included)."""
    months, current, last = [], month_start(first), month_start(last)
    while current <= last:
        months.append(current)
        current = add_months(current, 1)
    return months


def month_windows(month):
    """The dates that bound the figures of ``month``.

    Returns ``(start, end, start_window, end_window)``: the month is
    ``[start, end)``; a customer is active at the start with a visit in
    ``[start_window, start)`` and active at the end with a visit in
    ``[end_window, end)`` (the 12 months before each bound).
    """
    start = month_start(month)
    end = add_months(start, 1)
    return (
        start,
        end,
        add_months(start, -ACTIVE_MONTHS),
        add_months(end, -ACTIVE_MONTHS),
    )


def _ratio(part, whole):
    return round(100.0 * part / whole, 2) if whole else 0.0


def snapshot_rates(active_start, retained, kept, spend, visitors):
    """Rates of a snapshot row, in percent (per-capita spend in money).

    - retention = retained / active at start
    - churn = 100 - retention
    - growth = (kept - active at start) / active at start
    - per-capita spend = spend of the month / customers who visited in it

    Rates over no customer active at the start are 0 (not a 100 % churn).
    """
    retention = _ratio(retained, active_start)
    return {
        "retention_rate": retention,
        "churn_rate": round(100.0 - retention, 2) if active_start else 0.0,
        "growth_rate": _ratio(kept - active_start, active_start),
        "spend_per_capita": round(spend / visitors, 2) if visitors else 0.0,
    }


def share(part, whole):
    """``part`` as a percentage of ``whole`` (0 when ``whole`` is not positive)."""
    return _ratio(part, whole) if whole and whole > 0 else 0.0


# ------------------------------------------------------------------ birthdays
def solar_birthday_in(year, birthday):
    """The birthday of ``year``; 29 February falls on 28 February otherwise."""
    try:
        return birthday.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def lunar_birthday_in(lunar_year, month, day):
    """Solar date of the lunar birthday ``month``/``day`` in ``lunar_year``.

    A 30th day in a month of 29 days falls on the 29th. Leap months (闰月)
    are skipped: the birthday is kept in the regular month.
    """
    days = LunarMonth.fromYm(lunar_year, month).getDayCount()
    solar = Lunar.fromYmd(lunar_year, month, min(day, days)).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def next_birthday(today, birthday=None, lunar_month=0, lunar_day=0):
    """The next birthday on or after ``today`` (``None`` without a birthday).

    A lunar birthday (month and day of the Chinese calendar), when set, wins
    over the solar one: it is the one the customer celebrates.
    """
    if lunar_month and lunar_day:
        candidates = [
            lunar_birthday_in(year, lunar_month, lunar_day)
            for year in (today.year - 1, today.year, today.year + 1)
        ]
    elif birthday:
        candidates = [
            solar_birthday_in(year, birthday) for year in (today.year, today.year + 1)
        ]
    else:
        return None
    return min(day for day in candidates if day >= today)


def birthday_due(today, days_before, birthday=None, lunar_month=0, lunar_day=0):
    """The birthday to remind of today: within ``days_before`` days, else None."""
    upcoming = next_birthday(today, birthday, lunar_month, lunar_day)
    if upcoming and upcoming - today <= timedelta(days=days_before):
        return upcoming
    return None
