"""Pure rules of the prepaid cards (余额余项余次): no ORM, no database.

Money is rounded to cents here; the models pass plain numbers in and write
what comes out into the ledger (``loop.card.move``).
"""

from datetime import timedelta

from dateutil.relativedelta import relativedelta

# Days before expiry over which unused sessions count as "at risk": a card that
# expires today weighs 1, one that expires in RISK_HORIZON_DAYS or more weighs 0.
RISK_HORIZON_DAYS = 365


def expiry_date(issue_date, number, unit):
    """Last day a card issued on ``issue_date`` can be used (inclusive).

    A card valid for 1 month issued on 15 January is usable until 14
    February; valid for 30 days, until 13 February. ``number`` 0 means the
    card never expires (``None``).
    """
    if not number:
        return None
    if unit == "months":
        end = issue_date + relativedelta(months=number)
    else:
        end = issue_date + timedelta(days=number)
    return end - timedelta(days=1)


def allocate(total, weights):
    """Split ``total`` in proportion to ``weights``, in cents, summing exactly.

    The last share takes the rounding remainder. With weights that are all
    zero the total is split evenly.
    """
    if not weights:
        return []
    weights = [max(float(w), 0.0) for w in weights]
    if not sum(weights):
        weights = [1.0] * len(weights)
    whole = sum(weights)
    shares = [round(total * w / whole, 2) for w in weights[:-1]]
    shares.append(round(total - sum(shares), 2))
    return shares


def session_value(value_left, sessions_left, sessions):
    """Value released by using ``sessions`` of the ``sessions_left`` of a service.

    Each session is worth the average value left, so the last session takes
    whatever remains and the value of a package reaches exactly zero.
    """
    if sessions <= 0 or sessions_left <= 0:
        return 0.0
    if sessions >= sessions_left:
        return round(value_left, 2)
    return round(value_left * sessions / sessions_left, 2)


def refund_cash(balance, paid, credited):
    """Cash paid back for ``balance`` of value left on a card.

    A bonus is not paid back: the cash is the balance scaled by what the
    customer paid over the value credited (paid 10,000 for 11,000: 5,500 of
    value left pays back 5,000).
    """
    if balance <= 0:
        return 0.0
    if credited <= 0:
        return round(balance, 2)
    return round(balance * min(paid / credited, 1.0), 2)


def rate(part, whole):
    """``part`` as a percentage of ``whole``, 0.0 when ``whole`` is empty."""
    if not whole:
        return 0.0
    return round(100.0 * part / whole, 1)


def session_risk(sessions_left, days_left, horizon=RISK_HORIZON_DAYS):
    """Unused-session risk: sessions left weighted by closeness to expiry.

    ``days_left`` is ``None`` for a card that never expires (no risk).
    """
    if days_left is None or sessions_left <= 0 or days_left < 0:
        return 0.0
    return round(sessions_left * max(0.0, 1.0 - days_left / horizon), 2)
