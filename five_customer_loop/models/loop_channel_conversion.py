"""Attract conversion per channel and month of entry (DOMAIN "Prospects").

One stored row per company, acquisition channel (or none) and month of entry,
rebuilt from the orders and the stage history by the nightly scheduled action
or the report's Refresh button (one query per company), so a manager reads it
at once. Definitions, for the customers of a company's loop:

- entry day: the earliest of the local day of the customer's first stage
  history row in the company (a prospect enters when she is reached) and her
  first paid visit (customers who visited before the loop was installed);
- entered: customers whose entry day falls in the month;
- prospects: those of them who entered before their first paid visit (or
  have none yet); the others walked in and paid on their first day;
- first visits: entered customers with a paid visit (a refunded visit is no
  visit, ``lib.loop_sql.visit_days``);
- retained newcomers: entered customers whose second paid visit came within
  90 days of the first (day 90 counts; a second order on the same day is the
  same visit);
- Lock-in: entered customers who reached Lock-in or a later stage (not Lost);
- median days: prospect entry to first visit (prospects who came), first to
  second visit (retained newcomers), first visit to Lock-in;
- cost: the channel's cost of the month (``loop.channel.cost``), divided by
  first visits and by retained newcomers (获客成本).
"""

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib.loop_sql import local_date, visit_days
from .loop_measure_mixin import count_field, rate_field

RETURN_DAYS = 90

COUNTS = (
    "entered_count",
    "prospect_count",
    "first_visit_count",
    "retained_count",
    "lockin_count",
)
MEDIANS = ("days_to_first", "days_to_second", "days_to_lockin")


class LoopChannelConversion(models.Model):
    _name = "loop.channel.conversion"
    _inherit = ["loop.measure.mixin"]
    _description = "Attract Conversion per Channel and Month"
    _order = "month desc, company_id, channel_id"

    channel_id = fields.Many2one(
        "loop.channel",
        readonly=True,
        ondelete="cascade",
        help="The customers' acquisition channel; empty for customers without one.",
    )
    month = fields.Date(
        string="Month of Entry",
        help="First day of the month the customers entered the loop.",
    )
    entered_count = count_field(
        "Entered",
        "Customers who entered the loop in the month: prospects reached, and "
        "walk-ins who paid on their first day.",
    )
    prospect_count = count_field(
        "Prospects",
        "Entered before their first paid visit (referred, booked, reached "
        "through the channel).",
    )
    first_visit_count = count_field(
        "First Visits",
        "Entered customers who paid a visit.",
    )
    retained_count = count_field(
        "Retained Newcomers",
        "Entered customers whose second paid visit came within 90 days of the "
        "first.",
    )
    lockin_count = count_field(
        "Locked In",
        "Entered customers who reached Lock-in or a later stage.",
    )
    days_to_first = rate_field(
        "Days to First Visit",
        "Median days from a prospect's entry to her first paid visit.",
        compute=None,
    )
    days_to_second = rate_field(
        "Days to Second Visit",
        "Median days from the first to the second paid visit of the retained "
        "newcomers.",
        compute=None,
    )
    days_to_lockin = rate_field(
        "Days to Lock-in",
        "Median days from the first paid visit to Lock-in.",
        compute=None,
    )
    first_visit_rate = rate_field(
        "Prospects Converted (%)",
        "Prospects who paid a first visit / prospects.",
    )
    retained_rate = rate_field(
        "Newcomers Retained (%)",
        "Retained newcomers / entered customers with a first visit.",
    )
    cost = fields.Monetary(
        readonly=True,
        aggregator="sum",
        help="What the channel cost in the month (Channel Costs).",
    )
    cost_per_first_visit = fields.Monetary(
        compute="_compute_rates",
        store=True,
        aggregator=False,
        help="Cost / first visits; empty without first visits.",
    )
    cost_per_retained = fields.Monetary(
        string="Cost per Retained Newcomer",
        compute="_compute_rates",
        store=True,
        aggregator=False,
        help="Cost / retained newcomers; empty without retained newcomers.",
    )
    prospect_first_count = count_field(
        "Prospects Who Came",
        "Prospects who paid a first visit.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")

    @api.depends(
        "prospect_count",
        "prospect_first_count",
        "first_visit_count",
        "retained_count",
        "cost",
    )
    def _compute_rates(self):
        for row in self:
            row.first_visit_rate = (
                100.0 * row.prospect_first_count / row.prospect_count
                if row.prospect_count
                else 0.0
            )
            row.retained_rate = (
                100.0 * row.retained_count / row.first_visit_count
                if row.first_visit_count
                else 0.0
            )
            row.cost_per_first_visit = (
                row.cost / row.first_visit_count if row.first_visit_count else 0.0
            )
            row.cost_per_retained = (
                row.cost / row.retained_count if row.retained_count else 0.0
            )

    # ------------------------------------------------------------------ building
    @api.model
    def _conversion_query(self, company):
        """SQL of the rows of ``company``: one per channel and month of entry.

        Columns: channel, month, *COUNTS, prospects who came, *MEDIANS.
        """
        engine = self.env["loop.engine"]
        ids = self.env["loop.customer"]._company_partner_ids(company)
        orders = engine._paid_orders(company, ids)
        tz = company._loop_tz()
        lockin = self.env["loop.stage"].search([("code", "=", "lockin")], limit=1)
        later = self.env["loop.stage"].search(
            [("sequence", ">=", lockin.sequence), ("is_lost", "=", False)]
            if lockin
            else [("id", "=", 0)]
        )
        return SQL(
            """
            WITH days AS (%(days)s),
            visits AS (
                SELECT partner_id, day,
                       row_number() OVER (PARTITION BY partner_id ORDER BY day) AS n
                  FROM days WHERE visit
            ),
            firsts AS (
                SELECT partner_id,
                       MIN(day) FILTER (WHERE n = 1) AS first_day,
                       MIN(day) FILTER (WHERE n = 2) AS second_day
                  FROM visits WHERE n <= 2 GROUP BY partner_id
            ),
            history AS (
                SELECT partner_id, MIN(%(day)s) AS entered_day,
                       MIN(%(day)s) FILTER (WHERE stage_to_id = ANY(%(later)s))
                           AS lockin_day
                  FROM loop_stage_history
                 WHERE company_id = %(company)s
                 GROUP BY partner_id
            ),
            people AS (
                SELECT p.loop_channel_id AS channel,
                       LEAST(h.entered_day, f.first_day) AS entry,
                       f.first_day, f.second_day, h.lockin_day
                  FROM loop_customer m
                  JOIN res_partner p ON p.id = m.partner_id
                  LEFT JOIN history h ON h.partner_id = m.partner_id
                  LEFT JOIN firsts f ON f.partner_id = m.partner_id
                 WHERE m.company_id = %(company)s
            )
            SELECT channel, date_trunc('month', entry)::date,
                   COUNT(*),
                   COUNT(*) FILTER (WHERE first_day IS NULL OR entry < first_day),
                   COUNT(first_day),
                   COUNT(*) FILTER (WHERE second_day <= first_day + %(window)s),
                   COUNT(lockin_day),
                   COUNT(*) FILTER (WHERE entry < first_day),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY first_day - entry)
                       FILTER (WHERE entry < first_day),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY second_day - first_day)
                       FILTER (WHERE second_day <= first_day + %(window)s),
                   percentile_cont(0.5) WITHIN GROUP (
                       ORDER BY GREATEST(lockin_day - first_day, 0)
                   ) FILTER (WHERE lockin_day IS NOT NULL AND first_day IS NOT NULL)
              FROM people
             WHERE entry IS NOT NULL
             GROUP BY 1, 2
            """,
            days=visit_days(orders),
            day=local_date(SQL("date"), tz),
            later=later.ids,
            company=company.id,
            window=RETURN_DAYS,
        )

    @api.model
    def _rebuild(self, company):
        """Replace the rows of ``company``; returns them.

        The rows are derived data, read-only for everyone: they are written as
        superuser, from the company's orders, history and channel costs only
        (a manager's Refresh rebuilds the company they work in).
        """
        self = self.sudo()  # see above: nothing the user chose is written
        self.env.flush_all()
        rows = self.env.execute_query(self._conversion_query(company))
        costs = {
            (cost.channel_id.id, cost.month): cost.amount
            for cost in self.env["loop.channel.cost"].search(
                [("company_id", "=", company.id)]
            )
        }
        values = []
        for channel, month, *figures in rows:
            counts = figures[: len(COUNTS)]
            came = figures[len(COUNTS)]
            medians = figures[len(COUNTS) + 1 :]
            values.append(
                {
                    "company_id": company.id,
                    "channel_id": channel or False,
                    "month": month,
                    **dict(zip(COUNTS, counts, strict=True)),
                    "prospect_first_count": came,
                    **{
                        name: round(float(value), 1) if value is not None else 0.0
                        for name, value in zip(MEDIANS, medians, strict=True)
                    },
                    "cost": costs.pop((channel, month), 0.0),
                }
            )
        # months a channel cost money without bringing anyone in
        values += [
            {
                "company_id": company.id,
                "channel_id": channel,
                "month": month,
                "cost": amount,
            }
            for (channel, month), amount in costs.items()
        ]
        self.search([("company_id", "=", company.id)]).unlink()
        return self.create(values)

    @api.model
    def _sync_costs(self, scopes):
        """Follow the channel costs of ``{(company, channel, month)}`` at once.

        Called after a manager wrote the costs; the derived rows are written
        as superuser (read-only for everyone) with the sums of those lines.
        """
        self = self.sudo()  # only mirrors the cost lines just written
        for company_id, channel_id, month in scopes:
            amount = sum(
                self.env["loop.channel.cost"]
                .search(
                    [
                        ("company_id", "=", company_id),
                        ("channel_id", "=", channel_id),
                        ("month", "=", month),
                    ]
                )
                .mapped("amount")
            )
            row = self.search(
                [
                    ("company_id", "=", company_id),
                    ("channel_id", "=", channel_id),
                    ("month", "=", month),
                ]
            )
            if row:
                row.cost = amount
            elif amount:
                self.create(
                    {
                        "company_id": company_id,
                        "channel_id": channel_id,
                        "month": month,
                        "cost": amount,
                    }
                )
