"""Pure rules of the Five-Customer Loop: no ORM, no database.

Everything here takes plain values and returns plain values, so that the
thresholds, classifications and interval arithmetic are easy to read and to
unit-test. The batch engine (``models/loop_engine.py``) feeds them rows read
in one query per batch.
"""

from datetime import date, timedelta

SEGMENT_NEW = "new"
SEGMENT_BIG = "big"
SEGMENT_POTENTIAL = "potential"
SEGMENT_LOYAL = "loyal"
SEGMENT_OCCASIONAL = "occasional"

HEALTH_NONE = "none"
HEALTH_GOOD = "good"
HEALTH_AT_RISK = "at_risk"
HEALTH_LOST = "lost"


def tier_for_spend(spend, tiers):
    """Return the id of the tier whose band holds ``spend``.

    ``tiers`` is a list of ``(tier_id, minimum_spend)``; a tier's band starts at
    its minimum (inclusive) and ends at the next higher minimum (exclusive).
    Returns ``False`` when no tier starts low enough.
    """
    best = False
    best_min = None
    for tier_id, minimum in tiers:
        if spend >= minimum and (best_min is None or minimum > best_min):
            best, best_min = tier_id, minimum
    return best


def check_tier_minimums(minimums):
    """Return the minimums that appear more than once (bands would overlap)."""
    seen, duplicates = set(), set()
    for value in minimums:
        key = round(value, 2)
        (duplicates if key in seen else seen).add(key)
    return sorted(duplicates)


def segment_for(
    visits_total, visits_12m, avg_ticket, amount_threshold, frequency_threshold
):
    """Amount x frequency segment (seed 003).

    High amount means an average ticket at or above the amount threshold;
    frequent means at least ``frequency_threshold`` visits in the last 12
    months. A customer with no paid visit yet is "new".
    """
    if not visits_total:
        return SEGMENT_NEW
    high = avg_ticket >= amount_threshold
    frequent = visits_12m >= frequency_threshold
    if high:
        return SEGMENT_BIG if frequent else SEGMENT_POTENTIAL
    return SEGMENT_LOYAL if frequent else SEGMENT_OCCASIONAL


def median(values):
    """Median of a list of numbers, 0.0 for an empty list."""
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return 0.0
    mid = n // 2
    if n % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2.0


def at_risk_after(avg_interval, min_days, factor):
    """Days without a visit after which a customer is at risk (流失预警)."""
    return max(float(min_days), factor * float(avg_interval or 0.0))


def health_for(days_since, avg_interval, min_days, factor, lost_days):
    """Health flag from the days since the last visit.

    ``days_since`` is ``None`` for a customer who never paid a visit.
    """
    if days_since is None:
        return HEALTH_NONE
    if days_since > lost_days:
        return HEALTH_LOST
    if days_since > at_risk_after(avg_interval, min_days, factor):
        return HEALTH_AT_RISK
    return HEALTH_GOOD


def average_interval(first_visit, last_visit, visits):
    """Average number of days between two visits, 0.0 below two visits."""
    if not first_visit or not last_visit or visits < 2:
        return 0.0
    return (last_visit - first_visit).days / (visits - 1)


def next_visit(last_visit, interval_days):
    """Expected date of the next visit, ``None`` without an interval."""
    if not last_visit or not interval_days:
        return None
    return last_visit + timedelta(days=round(interval_days))


def window_start(today, months=12):
    """First day inside the trailing window of ``months`` months."""
    year, month = today.year, today.month - months
    while month <= 0:
        month += 12
        year -= 1
    day = min(today.day, _days_in_month(year, month))
    return date(year, month, day) + timedelta(days=1)


def _days_in_month(year, month):
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day
