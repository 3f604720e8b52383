"""Return rates as salon systems measure them (DOMAIN "Retention", family 2).

Stored rows per company and month of the visits they are about, for the
company (all), each store (POS shop, with the POS bridge), each staff member
and each service.
The customer-base snapshots say who is still a customer within a year; these
say whether customers come back within weeks, which is what a manager acts on.

A *visit* is a local day with paid orders that refunds did not take back
in full (``lib.loop_sql.visit_days``). For the visits of a month:

- new: the customer's first paid visit ever; new returned in 90 days: with a
  second visit within 90 days (day 90 counts, day 91 does not; a second
  order on the same day is the same visit) → new-customer 90-day retention;
- returned in 30 / 60 / 90 / 180 days: the customer's next visit came within
  that many days → revisit rates;
- back to the same staff member in 90 days: the next visit, within 90 days,
  was served by the same staff member;
- pre-booked: a booking for a later day was made on the visit day (反预约 at
  checkout); rebooked in 7 days: made within 7 days after the visit;
- the staff member of a visit is the one named on its first till line, else
  the one of that day's done booking, else the till's cashier; its store, the
  shop of the day's first till order (``_visit_tills``, the POS bridge's);
- per service (the services sold on the visit): the same rates, and the
  booking cycle: median days between two purchases of the service by the same
  customer, for the purchases of the month (a gap over 180 days is a lapse,
  not a cycle).

A month's rows are final once 180 days have passed after its end (every
window closed): they are kept as written, like the snapshots; rows of later
months are rebuilt every night. One query covers every row of all the
months rebuilt (the visit days computed once).
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib import retention_rules
from ..lib.loop_sql import (
    credited_staff,
    done_bookings,
    local_date,
    visit_days,
)
from .loop_measure_mixin import count_field, rate_field

# days within which the next visit counts as a return (returned_<days>)
WINDOWS = (30, 60, 90, 180)
LAST_WINDOW = max(WINDOWS)

COUNTS = (
    "visit_count",
    "new_count",
    "new_returned_90",
    "returned_30",
    "returned_60",
    "returned_90",
    "returned_180",
    "same_staff_90",
    "prebook_count",
    "rebook_7_count",
)

SCOPES = [
    ("all", "All Stores"),
    ("store", "Store"),
    ("staff", "Staff Member"),
    ("service", "Service"),
]


def _rate(part, whole):
    return round(100.0 * part / whole, 1) if whole else 0.0


class LoopReturnRate(models.Model):
    _name = "loop.return.rate"
    _inherit = ["loop.measure.mixin"]
    _description = "Return Rates per Month"
    _order = "month desc, company_id, scope, id"

    month = fields.Date(
        help="First day of the month of the visits the rates are about."
    )
    scope = fields.Selection(SCOPES, required=True, readonly=True, index=True)
    user_id = fields.Many2one(
        "res.users", string="Staff Member", readonly=True, ondelete="cascade"
    )
    product_id = fields.Many2one(
        "product.product", string="Service", readonly=True, ondelete="cascade"
    )
    final = fields.Boolean(
        readonly=True,
        help="Every window (up to 180 days after the month) has closed: the row is "
        "kept as written.",
    )
    visit_count = count_field("Visits")
    new_count = count_field(
        "New Customers",
        "Visits that were the customer's first paid visit.",
    )
    new_returned_90 = count_field(
        "New, Back in 90 Days",
        "New customers with a second paid visit within 90 days.",
    )
    returned_30 = count_field("Back in 30 Days")
    returned_60 = count_field("Back in 60 Days")
    returned_90 = count_field("Back in 90 Days")
    returned_180 = count_field("Back in 180 Days")
    same_staff_90 = count_field(
        "Back to the Same Staff in 90 Days",
        "Visits whose next visit, within 90 days, was served by the same staff "
        "member.",
    )
    prebook_count = count_field(
        "Pre-booked",
        "Visits after which the next booking was made the same day (反预约).",
    )
    rebook_7_count = count_field(
        "Rebooked in 7 Days",
        "Visits after which a next booking was made within 7 days.",
    )
    cycle_days = rate_field(
        "Booking Cycle (days)",
        "Median days between two purchases of the service by the same customer, "
        "within 180 days (service rows).",
        compute=None,
    )
    new_retention_90 = rate_field(
        "New-Customer Retention 90d (%)",
        "New customers back within 90 days / new customers.",
    )
    revisit_30 = rate_field("Revisit 30d (%)")
    revisit_60 = rate_field("Revisit 60d (%)")
    revisit_90 = rate_field(
        "Revisit 90d (%)",
        "Visits followed by another visit within 90 days / visits.",
    )
    revisit_180 = rate_field("Revisit 180d (%)")
    same_staff_rate = rate_field(
        "Same Staff 90d (%)",
        "Visits back to the same staff member within 90 days / visits back "
        "within 90 days.",
    )
    prebook_rate = rate_field("Pre-book Rate (%)")
    rebook_rate = rate_field("Rebook 7d (%)")

    @api.depends(*COUNTS)
    def _compute_rates(self):
        for row in self:
            visits = row.visit_count
            row.new_retention_90 = _rate(row.new_returned_90, row.new_count)
            row.revisit_30 = _rate(row.returned_30, visits)
            row.revisit_60 = _rate(row.returned_60, visits)
            row.revisit_90 = _rate(row.returned_90, visits)
            row.revisit_180 = _rate(row.returned_180, visits)
            row.same_staff_rate = _rate(row.same_staff_90, row.returned_90)
            row.prebook_rate = _rate(row.prebook_count, visits)
            row.rebook_rate = _rate(row.rebook_7_count, visits)

    @api.depends("period", "scope", "user_id", "product_id")
    def _compute_display_name(self):
        for row in self:
            what = (
                row._store_name()
                or row.user_id.name
                or row.product_id.display_name
                or self.env._("All Stores")
            )
            row.display_name = f"{row.period} {what}"

    def _store_name(self):
        """The name of the row's store (bridges that count stores say it)."""
        self.ensure_one()
        return ""

    # ------------------------------------------------------------------ queries
    @api.model
    def _measures_sql(self, company, first, last):
        """SQL of every row of the months ``first`` .. ``last``, in one statement.

        The visit days are computed once, from 180 days before the first month
        (the previous purchase of a service's cycle) to 180 days after the last
        (the next visit of its last visits). Rows ``(kind, month, store, staff,
        product, GROUPING(store), GROUPING(staff), *COUNTS, cycle)``: ``kind``
        ``g`` for the company, its stores and staff (grouping sets), ``s`` for
        the services.
        """
        start = retention_rules.month_start(first)
        end = retention_rules.add_months(retention_rules.month_start(last), 1)
        horizon = end + timedelta(days=LAST_WINDOW + 1)
        tz = company._loop_tz()
        # UTC bounds that only let the database skip orders out of reach (any
        # time zone): the local days are filtered below
        low = fields.Datetime.to_datetime(start) - timedelta(days=LAST_WINDOW + 2)
        high = fields.Datetime.to_datetime(horizon) + timedelta(days=1)
        visits_low = fields.Datetime.to_datetime(start) - timedelta(days=1)
        engine = self.env["loop.engine"]
        return SQL(
            """
            WITH orders AS MATERIALIZED (%(orders)s),
            days AS MATERIALIZED (%(days)s),
            seq AS (
                SELECT partner_id, day,
                       LEAD(day) OVER (PARTITION BY partner_id ORDER BY day) AS next_day
                  FROM days WHERE visit AND day >= %(start)s AND day < %(horizon)s
            ),
            tills AS (%(tills)s),
            served AS (%(served)s),
            staffed AS (
                SELECT s.partner_id, s.day, s.next_day, t.store_id AS store,
                       %(staff)s AS staff
                  FROM seq s
                  LEFT JOIN tills t ON t.partner_id = s.partner_id AND t.day = s.day
                  LEFT JOIN served b ON b.partner_id = s.partner_id AND b.day = s.day
            ),
            v AS MATERIALIZED (
                SELECT x.partner_id, date_trunc('month', x.day)::date AS month,
                       x.day, x.next_day, x.store, x.staff, n.staff AS next_staff,
                       m.first_visit = x.day AS is_new,
                       EXISTS (SELECT 1 FROM calendar_event e
                                WHERE e.loop_partner_id = x.partner_id
                                  AND e.is_loop_booking
                                  AND e.loop_company_id = %(company)s
                                  AND %(booked_day)s = x.day
                                  AND %(event_day)s > x.day) AS prebook,
                       EXISTS (SELECT 1 FROM calendar_event e
                                WHERE e.loop_partner_id = x.partner_id
                                  AND e.is_loop_booking
                                  AND e.loop_company_id = %(company)s
                                  AND %(booked_day)s BETWEEN x.day AND x.day + 7
                                  AND %(event_day)s > x.day) AS rebook
                  FROM staffed x
                  LEFT JOIN staffed n
                         ON n.partner_id = x.partner_id AND n.day = x.next_day
                  LEFT JOIN loop_customer m
                         ON m.partner_id = x.partner_id AND m.company_id = %(company)s
                 WHERE x.day >= %(start)s AND x.day < %(end)s
            ),
            sold AS (
                -- the services sold, every source's lines
                SELECT DISTINCT l.partner_id, l.day, l.product_id
                  FROM (%(lines)s) l
                  JOIN product_product pp ON pp.id = l.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 WHERE pt.type = 'service' AND l.day < %(end)s
            ),
            cycles AS (
                -- purchases on visit days only: a refunded visit bought nothing
                SELECT s.partner_id, s.product_id, s.day,
                       s.day - LAG(s.day) OVER (
                           PARTITION BY s.partner_id, s.product_id ORDER BY s.day
                       ) AS gap
                  FROM sold s
                  JOIN days d ON d.partner_id = s.partner_id AND d.day = s.day
                             AND d.visit
            )
            SELECT 'g', month, store, staff, NULL::integer, GROUPING(store),
                   GROUPING(staff), %(counts)s, NULL::float
              FROM v
             GROUP BY GROUPING SETS ((month), (month, store), (month, staff))
            UNION ALL
            SELECT 's', v.month, NULL, NULL, c.product_id, 1, 1, %(counts)s,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY c.gap)
                       FILTER (WHERE c.gap <= %(window)s)
              FROM v
              JOIN cycles c ON c.partner_id = v.partner_id AND c.day = v.day
             GROUP BY v.month, c.product_id
            """,
            orders=engine._paid_orders(company, since=low, until=high),
            days=visit_days(SQL("SELECT * FROM orders")),
            lines=engine._paid_lines(),
            tills=self._visit_tills(company, visits_low, high),
            served=done_bookings(company.id, tz, visits_low, high),
            staff=credited_staff("t", "b", "t"),
            event_day=local_date(SQL("e.start"), tz),
            booked_day=local_date(SQL("e.loop_booked_on"), tz),
            company=company.id,
            start=start,
            end=end,
            horizon=horizon,
            counts=self._counts_sql(),
            window=LAST_WINDOW,
        )

    @api.model
    def _visit_tills(self, company, low, high):
        """SQL of ``(partner_id, day, store_id, user_id, loop_staff_id)``: the
        till of each customer's visit day, from ``low`` to ``high`` (UTC): its
        store, its cashier and the staff member named on its first line. The
        loop has no till: the POS bridge reads its orders."""
        return SQL(
            """SELECT NULL::integer AS partner_id, NULL::date AS day,
                      NULL::integer AS store_id, NULL::integer AS user_id,
                      NULL::integer AS loop_staff_id
                WHERE false"""
        )

    @api.model
    def _counts_sql(self):
        """The COUNTS, in order, over the visit rows ``v`` of ``_measures_sql``."""
        back = SQL(", ").join(
            SQL("COUNT(*) FILTER (WHERE v.next_day <= v.day + %s)", days)
            for days in WINDOWS
        )
        return SQL(
            """COUNT(*),
               COUNT(*) FILTER (WHERE v.is_new),
               COUNT(*) FILTER (WHERE v.is_new AND v.next_day <= v.day + 90),
               %(back)s,
               COUNT(*) FILTER (WHERE v.next_day <= v.day + 90
                                AND v.next_staff = v.staff),
               COUNT(*) FILTER (WHERE v.prebook),
               COUNT(*) FILTER (WHERE v.rebook)""",
            back=back,
        )

    @api.model
    def _compute_months(self, company, first, last):
        """Rows of the months ``first`` .. ``last`` as value dicts (not written).

        One query (``_measures_sql``); its sorts and hashes get the memory of a
        batch job, as the engine's batches get no JIT.
        """
        self.env.flush_all()
        self.env.cr.execute("SET LOCAL work_mem = '64MB'")
        rows = self.env.execute_query(self._measures_sql(company, first, last))
        today = company._loop_today()
        result = []
        for kind, month, store, staff, product, no_store, no_staff, *figures in rows:
            counts, cycle = figures[:-1], figures[-1]
            if kind == "s":
                result.append(
                    self._values(company, month, today, "service", counts)
                    | {
                        "product_id": product,
                        "cycle_days": round(float(cycle), 1)
                        if cycle is not None
                        else 0.0,
                    }
                )
                continue
            if (not no_store and store is None) or (not no_staff and staff is None):
                continue  # visits without a till or staff member: in "all" only
            scope = (
                "all" if no_store and no_staff else "store" if not no_store else "staff"
            )
            result.append(
                self._values(company, month, today, scope, counts)
                | {
                    "user_id": staff if scope == "staff" else False,
                    **self._store_values(store if scope == "store" else False),
                }
            )
        return result

    @api.model
    def _store_values(self, store):
        """The values that say which store a row is about (bridges that count
        stores, from the ``store_id`` of ``_visit_tills``)."""
        return {}

    @api.model
    def _values(self, company, month, today, scope, counts):
        end = retention_rules.add_months(month, 1)
        return {
            "company_id": company.id,
            "month": month,
            "scope": scope,
            "final": end + timedelta(days=LAST_WINDOW) <= today,
            **dict(zip(COUNTS, counts, strict=True)),
        }

    # ------------------------------------------------------------------ storing
    @api.model
    def _rebuild(self, company, months=None):
        """Rebuild the rows of ``company`` for ``months`` (default: the last
        twelve ended months) that are not final yet; final rows are kept.

        Rows are derived data, read-only for everyone: written as superuser.
        """
        self = self.sudo()  # derived rows only, from the company's own orders
        today = company._loop_today()
        if months is None:
            last = retention_rules.add_months(today, -1)
            months = retention_rules.months_between(
                retention_rules.add_months(last, -11), last
            )
        months = sorted(
            {retention_rules.month_start(fields.Date.to_date(m)) for m in months}
        )
        kept = set(
            self.search(
                [
                    ("company_id", "=", company.id),
                    ("month", "in", months),
                    ("final", "=", True),
                ]
            ).mapped("month")
        )
        todo = [month for month in months if month not in kept]
        if not todo:
            return self.browse()
        self.search([("company_id", "=", company.id), ("month", "in", todo)]).unlink()
        values = [
            row
            for row in self._compute_months(company, todo[0], todo[-1])
            if row["month"] in todo
        ]
        return self.create(values)
