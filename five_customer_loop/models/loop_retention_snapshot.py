"""Monthly retention snapshots (留存, seed 002), kept as stored rows.

One row per company, month, store (a POS shop with the POS bridge, or every
store of the company) and tier (or every tier). Rows are written once, by the monthly
scheduled action or by the rebuild wizard, and never recomputed on their own:
the history of a month survives later edits of its orders.

Definitions, for a month ``[start, end)`` and a scope (one store or all the
stores of the company). A *visit* is a local day (company time zone) with a
paid order of positive amount in the scope; amounts are net of refunds and
in company currency, as in the consumption archive.

- active at start: at least one visit in the 12 months before ``start``
- active at end (kept, 客户保有数): at least one visit in the 12 months
  before ``end``
- retained: active at start and still active at end
- lost: active at start and no longer active at end
- new: first visit ever in the scope during the month
- reactivated: not active at start, had visited before, visited in the month
- so: kept = retained + new + reactivated, and lost = active at start -
  retained
- retention rate = retained / active at start; churn rate = 100 % - retention;
  growth rate = (kept - active at start) / active at start; per-capita spend
  = spend of the month / customers who visited in the month

Tier of a customer for a month: the tier their 12-month spend (all stores of
the company) qualified for at the start of the month, under the company's
current tier bands, i.e. the tier the nightly engine gave them on the last day
of the previous month. Customers not active at the start (new, reactivated)
take the tier of their 12-month spend at the end of the month. It is derived
from the orders, not from the tier history, so that any past month can be
rebuilt, also months before the module was installed.
"""

import logging
from datetime import timedelta

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib import retention_rules
from ..lib.loop_sql import visit_days

_logger = logging.getLogger(__name__)

COUNT_FIELDS = (
    "active_start",
    "new_count",
    "retained_count",
    "lost_count",
    "reactivated_count",
    "kept_count",
    "visitor_count",
)


class LoopRetentionSnapshot(models.Model):
    _name = "loop.retention.snapshot"
    _description = "Monthly Retention Snapshot"
    _order = "month desc, company_id, store_key desc, tier_id desc, id"
    _check_company_auto = True

    month = fields.Date(
        required=True,
        index=True,
        readonly=True,
        help="First day of the month the figures are about.",
    )
    period = fields.Char(
        compute="_compute_period", store=True, help="The month, as YYYY-MM."
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    store_key = fields.Integer(
        readonly=True,
        default=0,
        help="Technical: the id of the row's store where a bridge counts "
        "stores (the POS shop); 0 on the row of all the stores of the company.",
    )
    tier_id = fields.Many2one(
        "loop.tier",
        readonly=True,
        ondelete="cascade",
        check_company=True,
        help="The tier of the customers counted in the row: their tier at the "
        "start of the month (12-month spend then), or at its end for new and "
        "reactivated customers. Empty on the row of all tiers.",
    )
    is_total = fields.Boolean(
        string="All Stores, All Tiers",
        compute="_compute_is_total",
        store=True,
        help="The company-wide row of the month.",
    )
    active_start = fields.Integer(
        string="Active at Start",
        readonly=True,
        aggregator="sum",
        help="Customers with at least one paid visit in the 12 months before "
        "the month.",
    )
    new_count = fields.Integer(
        string="New",
        readonly=True,
        aggregator="sum",
        help="Customers whose first visit ever was in the month.",
    )
    retained_count = fields.Integer(
        string="Retained",
        readonly=True,
        aggregator="sum",
        help="Customers active at the start who are still active at the end of "
        "the month.",
    )
    lost_count = fields.Integer(
        string="Lost",
        readonly=True,
        aggregator="sum",
        help="Customers active at the start whose last visit is now more than 12 "
        "months old at the end of the month.",
    )
    reactivated_count = fields.Integer(
        string="Reactivated",
        readonly=True,
        aggregator="sum",
        help="Customers who had visited before, were not active at the start and "
        "came back in the month.",
    )
    kept_count = fields.Integer(
        string="Kept (Active at End)",
        readonly=True,
        aggregator="sum",
        help="客户保有数: customers with at least one paid visit in the 12 months "
        "before the end of the month.",
    )
    visitor_count = fields.Integer(
        string="Visitors",
        readonly=True,
        aggregator="sum",
        help="Customers with at least one paid visit in the month.",
    )
    spend = fields.Monetary(
        readonly=True,
        aggregator="sum",
        help="Paid orders of the month net of refunds, in company currency.",
    )
    retention_rate = fields.Float(
        string="Retention Rate (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 2),
        help="Retained / active at start.",
    )
    churn_rate = fields.Float(
        string="Churn Rate (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 2),
        help="100 % - retention rate.",
    )
    growth_rate = fields.Float(
        string="Growth Rate (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 2),
        help="(Kept - active at start) / active at start.",
    )
    spend_per_capita = fields.Monetary(
        string="Per-Capita Spend",
        readonly=True,
        aggregator="avg",
        help="人均消费额: spend of the month / visitors of the month.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")

    def init(self):
        # One row per company, month, store and tier; store 0 and an empty
        # tier are the "all" rows, hence COALESCE (NULLs are distinct in a
        # constraint).
        tools.create_unique_index(
            self.env.cr,
            "loop_retention_snapshot_scope_uniq",
            self._table,
            ["company_id", "month", "store_key", "COALESCE(tier_id, 0)"],
        )

    @api.depends("month")
    def _compute_period(self):
        for row in self:
            row.period = row.month and row.month.strftime("%Y-%m")

    @api.depends("store_key", "tier_id")
    def _compute_is_total(self):
        for row in self:
            row.is_total = not row.store_key and not row.tier_id

    @api.depends("period", "store_key", "tier_id")
    def _compute_display_name(self):
        for row in self:
            row.display_name = " / ".join(
                [
                    row.period or "",
                    row._store_name() or self.env._("All Stores"),
                    row.tier_id.name or self.env._("All Tiers"),
                ]
            )

    def _store_name(self):
        """The name of the row's store (bridges that count stores say it)."""
        self.ensure_one()
        return ""

    @api.model
    def _store_values(self, store):
        """The values that say which store a row is about (``store``: the
        ``store_id`` of the paid orders, 0 for all the stores)."""
        return {"store_key": store}

    @api.model
    def _figure_fields(self):
        """Names of the figures of a row: counts, spend and rates."""
        return [
            *COUNT_FIELDS,
            "spend",
            "retention_rate",
            "churn_rate",
            "growth_rate",
            "spend_per_capita",
        ]

    # ---------------------------------------------------------------- computing
    @api.model
    def _month_query(self, company, month, by_staff=False):
        """SQL of the figures of ``month`` for ``company``, in one query.

        Returns rows ``(store_id, tier_id, all_tiers, user_id, *COUNT_FIELDS,
        spend, customers)``; ``store_id`` 0 is the scope of all the stores.
        Rows are grouped by store and tier (and store alone) or, with
        ``by_staff``, by store and responsible staff; ``customers`` counts the
        customers of the group: with ``by_staff``, every customer of the scope
        (at least one paid order there before the end of the month) whose
        responsible staff is the user (the customers they own).
        """
        start, end, start_window, end_window = retention_rules.month_windows(month)
        tiers = self.env["loop.tier"]._tier_bands(company)
        if by_staff:
            # every customer of the scope counts as owned, active or not
            grouping = SQL("GROUPING SETS ((c.store, p.loop_user_id))")
            group_cols = SQL("NULL::integer, 0, p.loop_user_id")
            where = SQL("p.loop_user_id IS NOT NULL")
        else:
            grouping = SQL("GROUPING SETS ((c.store, t.tier_id), (c.store))")
            group_cols = SQL("t.tier_id, GROUPING(t.tier_id), NULL::integer")
            where = SQL("(c.active_start OR c.active_end OR c.visited OR c.spend <> 0)")
        return SQL(
            """
            WITH days AS (%(days)s),
            scoped AS (
                SELECT partner_id, store_id AS store, day, amount, visit
                  FROM days WHERE day < %(end)s AND store_id IS NOT NULL
                UNION ALL
                SELECT partner_id, 0, day, amount, visit
                  FROM days WHERE day < %(end)s
            ),
            customers AS (
                SELECT partner_id, store,
                       bool_or(visit AND day >= %(start_window)s AND day < %(start)s)
                           AS active_start,
                       bool_or(visit AND day >= %(end_window)s) AS active_end,
                       bool_or(visit AND day >= %(start)s) AS visited,
                       bool_or(visit AND day < %(start)s) AS visited_before,
                       COALESCE(SUM(amount) FILTER (WHERE day >= %(start)s), 0)
                           AS spend
                  FROM scoped GROUP BY partner_id, store
            ),
            bands AS (
                SELECT * FROM unnest(%(tier_ids)s::int[], %(tier_mins)s::numeric[])
                    AS b(tier_id, min_spend)
            ),
            tiers AS (
                SELECT c.partner_id,
                       (SELECT b.tier_id FROM bands b
                         WHERE b.min_spend <= CASE WHEN c.active_start
                                                   THEN s.at_start ELSE s.at_end END
                         ORDER BY b.min_spend DESC LIMIT 1) AS tier_id
                  FROM customers c
                  JOIN (SELECT partner_id,
                               COALESCE(SUM(amount) FILTER (
                                   WHERE day >= %(start_window)s AND day < %(start)s
                               ), 0) AS at_start,
                               COALESCE(SUM(amount) FILTER (
                                   WHERE day >= %(end_window)s AND day < %(end)s
                               ), 0) AS at_end
                          FROM days GROUP BY partner_id) s
                    ON s.partner_id = c.partner_id
                 WHERE c.store = 0
            )
            SELECT c.store, %(group_cols)s,
                   COUNT(*) FILTER (WHERE c.active_start),
                   COUNT(*) FILTER (WHERE c.visited AND NOT c.visited_before),
                   COUNT(*) FILTER (WHERE c.active_start AND c.active_end),
                   COUNT(*) FILTER (WHERE c.active_start AND NOT c.active_end),
                   COUNT(*) FILTER (WHERE c.visited AND c.visited_before
                                    AND NOT c.active_start),
                   COUNT(*) FILTER (WHERE c.active_end),
                   COUNT(*) FILTER (WHERE c.visited),
                   SUM(c.spend), COUNT(*)
              FROM customers c
              JOIN tiers t ON t.partner_id = c.partner_id
              JOIN res_partner p ON p.id = c.partner_id
             WHERE %(where)s
             GROUP BY %(grouping)s
             ORDER BY 1, 2
            """,
            days=visit_days(
                # orders are filtered on their local day; this UTC bound only
                # lets the database skip the orders after the month (any time
                # zone); a refund made after it does not undo a month that has
                # ended. Orders without a till (a sale order) count in the
                # scope of all the stores only.
                self.env["loop.engine"]._paid_orders(
                    company,
                    until=fields.Datetime.to_datetime(end) + timedelta(days=1),
                    store=True,
                ),
                group=("store_id",),
            ),
            start=start,
            end=end,
            start_window=start_window,
            end_window=end_window,
            tier_ids=[tier_id for tier_id, _minimum in tiers],
            tier_mins=[minimum for _tier_id, minimum in tiers],
            group_cols=group_cols,
            where=where,
            grouping=grouping,
        )

    @api.model
    def _compute_month(self, company, month, by_staff=False):
        """Figures of ``month`` as a list of value dicts (nothing is written).

        Keys: those of ``_store_values`` (store 0 on "all" rows), ``tier_id``
        (False on "all" rows), or ``user_id``
        with ``by_staff``, the counts, ``spend`` and the rates.
        """
        rows = self.env.execute_query(self._month_query(company, month, by_staff))
        result = []
        for store, tier_id, all_tiers, user_id, *figures in rows:
            if not by_staff and not all_tiers and tier_id is None:
                continue  # customers below every tier: only in the "all" row
            counts = dict(zip(COUNT_FIELDS, figures[:-2], strict=True))
            spend = round(float(figures[-2] or 0.0), 2)
            values = {
                "company_id": company.id,
                "month": retention_rules.month_start(month),
                **self._store_values(store),
                **counts,
                "spend": spend,
                **retention_rules.snapshot_rates(
                    counts["active_start"],
                    counts["retained_count"],
                    counts["kept_count"],
                    spend,
                    counts["visitor_count"],
                ),
            }
            if by_staff:
                values["user_id"] = user_id
                values["owned_count"] = figures[-1]
            else:
                values["tier_id"] = tier_id or False
            result.append(values)
        return result

    @api.model
    def _rebuild(self, company, months):
        """Replace the snapshots of ``company`` for ``months``; returns the rows."""
        created = self
        for month in months:
            month = retention_rules.month_start(month)
            self.search(
                [("company_id", "=", company.id), ("month", "=", month)]
            ).unlink()
            created |= self.create(self._compute_month(company, month))
        return created

    @api.model
    def _check_months(self, company, months):
        today = company._loop_today()
        current = retention_rules.month_start(today)
        if any(retention_rules.month_start(month) >= current for month in months):
            raise UserError(
                self.env._(
                    "Snapshots are taken of months that have ended: choose months "
                    "before %(month)s.",
                    month=current.strftime("%Y-%m"),
                )
            )

    @api.model
    def _cron_monthly_snapshot(self):
        """At each month start: the month just ended, and any missing month.

        Months of the last year that have no snapshot yet (a missed run, a new
        installation) are built too; months that have one are left alone.
        """
        for company in self.env["res.company"].sudo().search([]):  # every company
            today = company._loop_today()
            last = retention_rules.add_months(today, -1)
            months = retention_rules.months_between(
                retention_rules.add_months(last, -11), last
            )
            done = set(
                self.sudo()  # the cron sees every company's rows
                .search([("company_id", "=", company.id), ("month", "in", months)])
                .mapped("month")
            )
            missing = [month for month in months if month not in done]
            if missing:
                self.sudo().with_company(company)._rebuild(company, missing)
                _logger.info(
                    "Customer Loop: retention snapshots of %s for %s month(s)",
                    company.name,
                    len(missing),
                )

    # ------------------------------------------------------------------ actions
    @api.model
    def _dashboard_trend(self, company, count=12):
        """The last ``count`` company-wide rows, oldest first."""
        rows = self.search(
            [
                ("company_id", "=", company.id),
                ("store_key", "=", 0),
                ("tier_id", "=", False),
            ],
            order="month desc",
            limit=count,
        )
        return rows.sorted("month")
