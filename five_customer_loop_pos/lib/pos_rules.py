"""Pure rules of the prepaid cards at the till: no ORM, no database."""

# The states of a paid POS order (paid, posted in the session, invoiced).
PAID_STATES = ("paid", "done", "invoiced")


def split_payment(balances, amount):
    """Split ``amount`` over cards holding ``balances``, in the given order.

    ``balances`` are the stored values left on the customer's cards, sorted
    the way they are spent (earliest expiry first). Returns the amount taken
    from each card, in cents, or ``None`` when the cards hold less than
    ``amount`` together: the till never overdraws. Paying 700 with cards
    holding 500 and 1,000 takes 500 and 200.
    """
    left = round(amount, 2)
    shares = []
    for balance in balances:
        share = round(min(max(balance, 0.0), max(left, 0.0)), 2)
        shares.append(share)
        left = round(left - share, 2)
    if left > 0:
        return None
    return shares


def reversal_units(units, count):
    """The last ``count`` of ``units`` (oldest first), or ``None`` if too few.

    A refund of ``count`` cards (or sessions) sold by one order takes back the
    last ones sold: their moves are reversed.
    """
    if count <= 0:
        return []
    if count > len(units):
        return None
    return units[-count:]
