"""SQL fragments shared by the models (no ORM access)."""

from odoo.tools import SQL

# From this many ids on, ids close together are read as a range.
RANGE_MIN_IDS = 1000


def in_ids(column, ids):
    """SQL of ``column = ANY(ids)``; a range with its gaps for a batch of ids.

    A batch of the nightly run holds consecutive partners: between its
    smallest and largest id, all but a few (deleted partners). Said as that
    range less its gaps, PostgreSQL reads the range of an index once, instead
    of planning a 10,000-value list and searching the index once per value,
    which costs more than the whole read. A few ids, or ids spread widely
    (gaps more than a tenth of them), are looked up one by one.
    """
    ids = set(ids)
    if len(ids) >= RANGE_MIN_IDS:
        low, high = min(ids), max(ids)
        missing = high - low + 1 - len(ids)
        if missing <= len(ids) // 10:
            gaps = sorted(set(range(low, high + 1)).difference(ids)) if missing else []
            return SQL(
                "(%s BETWEEN %s AND %s AND %s <> ALL(%s::int[]))",
                column,
                low,
                high,
                column,
                gaps,
            )
    return SQL("%s = ANY(%s)", column, sorted(ids))


def order_filter(alias, company_id, ids=None, since=None, until=None):
    """SQL of the conditions of ``loop.engine._order_sources`` on the orders
    ``alias`` (columns ``company_id``, ``partner_id``, ``date_order``): the
    company, the customers ``ids`` (None: all), paid from ``since`` and
    before ``until`` (UTC moments, None: unbounded)."""
    where = [SQL("%s = %s", SQL.identifier(alias, "company_id"), company_id)]
    if ids is not None:
        where.append(in_ids(SQL.identifier(alias, "partner_id"), ids))
    day = SQL.identifier(alias, "date_order")
    if since:
        where.append(SQL("%s >= %s", day, since))
    if until:
        where.append(SQL("%s < %s", day, until))
    return SQL(" AND ").join(where)


def local_date(column, tz):
    """SQL of the local calendar day of the UTC timestamp ``column``.

    ``tz`` is a time zone name, or an SQL expression giving one.
    """
    tz = tz if isinstance(tz, SQL) else SQL("%s", tz)
    return SQL("(%s AT TIME ZONE 'UTC' AT TIME ZONE %s)::date", column, tz)


def company_amount(alias):
    """SQL of an order's total in company currency: orders keep their rate."""
    return SQL(
        "%s / COALESCE(NULLIF(%s, 0), 1.0)",
        SQL.identifier(alias, "amount_total"),
        SQL.identifier(alias, "currency_rate"),
    )


def no_orders(store=False, at=False):
    """SQL of no paid orders, with the columns of ``loop.engine._order_sources``
    rows: what the engine reads when no source is installed."""
    return SQL(
        """SELECT NULL::integer AS partner_id, %s %s NULL::date AS day,
                  NULL::numeric AS amount, NULL::integer AS order_id,
                  NULL::varchar AS source, NULL::integer AS refund_of
            WHERE false""",
        SQL("NULL::integer AS store_id,") if store else SQL(),
        SQL("NULL::timestamp AS at,") if at else SQL(),
    )


def no_lines():
    """SQL of no sold lines, with the columns of ``loop.engine._line_sources``."""
    return SQL(
        """SELECT NULL::integer AS partner_id, NULL::date AS day,
                  NULL::integer AS product_id, NULL::numeric AS qty
            WHERE false"""
    )


def visit_days(src, group=(), fixed=None):
    """SQL of the local days of the paid orders ``src``, one row per day.

    ``src`` selects ``partner_id, day, amount, order_id, source, refund_of``
    (and the columns of ``group``). Rows: ``partner_id, *group, day, amount,
    visit``. ``amount`` nets the day's orders and refunds; ``visit`` says
    whether the day was a visit: its paid orders, net of the refunds of those
    orders (whenever the refund came), are still positive. A refunded visit is
    no visit; a refund is never one.

    ``fixed``: the sources whose paid orders never change; the rows then also
    give, per day, ``order_count`` (how many), ``order_sum`` (the sum of their ids),
    ``order_hash`` (the XOR of their ids' hashes) and ``open`` (an order of
    another source), from which a customer's orders' digest is summed.
    """
    keys = SQL("").join(SQL("s.%s, ", SQL.identifier(name)) for name in group)
    extra = SQL()
    if fixed is not None:
        extra = SQL(
            """, COUNT(*) AS order_count, SUM(s.order_id) AS order_sum,
                  bit_xor(hashint4(s.order_id)) AS order_hash,
                  bool_or(s.source <> ALL(%s::varchar[])) AS open""",
            list(fixed),
        )
    return with_refunds(
        src,
        SQL(
            """s.partner_id, %(keys)s s.day, SUM(s.amount) AS amount,
               COALESCE(SUM(s.amount + COALESCE(r.amount, 0))
                        FILTER (WHERE s.amount > 0), 0) >= 0.005 AS visit
               %(extra)s""",
            keys=keys,
            extra=extra,
        ),
        SQL("GROUP BY s.partner_id, %s s.day", keys),
    )


def with_refunds(src, columns, rest):
    """SQL selecting ``columns`` from the paid orders ``src s`` (rows of
    ``loop.engine._order_sources``), each beside ``r.amount``: what the
    refunds of that order took back (negative; NULL when none), then ``rest``
    (conditions, grouping, order). The one reading of refunds of the visits
    (``visit_days``) and of a customer's first order (referral rewards).
    """
    return SQL(
        """WITH src AS (%(src)s),
                refunds AS (SELECT refund_of, source, SUM(amount) AS amount
                              FROM src WHERE refund_of IS NOT NULL
                             GROUP BY refund_of, source)
           SELECT %(columns)s
             FROM src s
             LEFT JOIN refunds r ON r.refund_of = s.order_id AND r.source = s.source
            %(rest)s""",
        src=src,
        columns=columns,
        rest=rest,
    )


def done_bookings(company_id, tz, low, high):
    """SQL of ``(partner_id, day, loop_staff_id)``: each customer's first done
    booking of a local day in the company, starting in [``low``, ``high``) UTC.

    The staff member of that booking is credited with the day's till lines
    that name nobody (``credited_staff``).
    """
    event_day = local_date(SQL("e.start"), tz)
    return SQL(
        """SELECT DISTINCT ON (e.loop_partner_id, %(day)s)
                  e.loop_partner_id AS partner_id, %(day)s AS day, e.loop_staff_id
             FROM calendar_event e
            WHERE e.is_loop_booking AND e.loop_state = 'done'
              AND e.loop_company_id = %(company)s
              AND e.start >= %(low)s AND e.start < %(high)s
            ORDER BY e.loop_partner_id, %(day)s, e.start, e.id""",
        day=event_day,
        company=company_id,
        low=low,
        high=high,
    )


def credited_staff(line, booking, order):
    """SQL of the staff member credited with a till line: the one the till
    named on it, else the staff member of the customer's done booking that day
    (a row of ``done_bookings`` aliased ``booking``), else the cashier."""
    return SQL(
        "COALESCE(%s, %s, %s)",
        SQL.identifier(line, "loop_staff_id"),
        SQL.identifier(booking, "loop_staff_id"),
        SQL.identifier(order, "user_id"),
    )
