from odoo import fields, models
from odoo.tools import SQL

from ..lib import retention_rules
from ..lib.loop_sql import visit_days


class LoopCohortAnalysis(models.Model):
    """Cohorts: month of first visit x months since, share still visiting.

    One row per customer, company and month since their first paid visit
    (0 to ``_max_months``, up to the current month): ``share`` is 100 when the
    customer paid a visit in that month, else 0, so its average over any group
    of rows is the share of the group still visiting. Months are local months
    of the company's time zone; a visit is that of the consumption archive
    (``lib.loop_sql.visit_days`` over ``loop.engine._paid_orders``).
    """

    _name = "loop.cohort.analysis"
    _description = "Customer Cohorts"
    _auto = False
    _order = "cohort desc, months_since"
    _max_months = 12

    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Responsible Staff", readonly=True)
    cohort = fields.Date(
        string="First Visit Month",
        readonly=True,
        help="The month of the customer's first paid visit.",
    )
    months_since = fields.Integer(
        readonly=True,
        aggregator=False,
        help="0 is the month of the first visit.",
    )
    month_label = fields.Selection(
        [(f"{n:02d}", f"Cohort Month {n}") for n in range(13)],
        string="Month Since",
        readonly=True,
        help="Month 0 is the month of the first visit.",
    )
    period = fields.Date(string="Month", readonly=True)
    complete = fields.Boolean(
        string="Month Over",
        readonly=True,
        help="The month has ended: its share is final. The current month's share "
        "still grows until its last day.",
    )
    visiting_count = fields.Integer(
        string="Still Visiting",
        readonly=True,
        aggregator="sum",
        help="Customers of the cohort with a paid visit in that month.",
    )
    share = fields.Float(
        string="Share Still Visiting (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Share of the cohort's customers with a paid visit in that month.",
    )

    def _paid_orders(self):
        """The paid orders of the companies the user works in, each with its
        ``company_id`` (``loop.engine._paid_orders``: every source)."""
        engine = self.env["loop.engine"]
        return SQL(" UNION ALL ").join(
            SQL(
                "SELECT %s AS company_id, o.* FROM (%s) o",
                company.id,
                engine._paid_orders(company),
            )
            for company in self.env.companies
        )

    @property
    def _table_query(self):
        today = fields.Date.context_today(self)
        return SQL(
            """
            WITH days AS (%(days)s),
            visits AS (
                SELECT DISTINCT company_id, partner_id,
                       date_trunc('month', day)::date AS month
                  FROM days WHERE visit
            ),
            firsts AS (
                SELECT company_id, partner_id, MIN(month) AS cohort
                  FROM visits GROUP BY company_id, partner_id
            )
            SELECT (f.partner_id::bigint * 1000 + f.company_id) * 100 + k.n AS id,
                   f.company_id, f.partner_id, p.loop_user_id AS user_id,
                   f.cohort, k.n AS months_since,
                   lpad(k.n::text, 2, '0') AS month_label,
                   m.period, m.period < %(current)s::date AS complete,
                   (v.partner_id IS NOT NULL)::int AS visiting_count,
                   CASE WHEN v.partner_id IS NOT NULL THEN 100.0 ELSE 0.0 END AS share
              FROM firsts f
              JOIN res_partner p ON p.id = f.partner_id
              CROSS JOIN LATERAL generate_series(
                  0,
                  LEAST(%(max)s, ((EXTRACT(YEAR FROM %(current)s::date) * 12
                                   + EXTRACT(MONTH FROM %(current)s::date))
                                  - (EXTRACT(YEAR FROM f.cohort) * 12
                                     + EXTRACT(MONTH FROM f.cohort)))::int)
              ) AS k(n)
              CROSS JOIN LATERAL (
                  SELECT (f.cohort + make_interval(months => k.n))::date AS period
              ) m
              LEFT JOIN visits v
                ON v.company_id = f.company_id AND v.partner_id = f.partner_id
               AND v.month = m.period
            """,
            days=visit_days(self._paid_orders(), group=("company_id",)),
            max=self._max_months,
            current=retention_rules.month_start(today),
        )
