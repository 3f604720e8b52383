"""Figures of the manager dashboard, the landing page of the app."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib import retention_rules
from ..lib.loop_sql import local_date

# Return windows and the references shown beside the rates: Phorest's
# published averages of customers back within 90 days (new, existing).
RETURN_WINDOW = 90
NEW_REFERENCE = 30.0
EXISTING_REFERENCE = 68.0


class LoopDashboard(models.AbstractModel):
    _name = "loop.dashboard"
    _description = "Customer Loop Dashboard"

    @api.model
    def _dashboard_customers_domain(self):
        """The customers of the loop, as in the Customers menu."""
        return [("loop_stage_id", "!=", False)]

    @api.model
    def _dashboard_card_liability(self):
        """Outstanding value of the prepaid cards of the current company.

        The unused value (stored value, and the value of the sessions left)
        that the company still owes its customers on active cards, in company
        currency.
        """
        [(total,)] = self.env["loop.card"]._read_group(
            [("company_id", "=", self.env.company.id), ("state", "=", "active")],
            [],
            ["balance:sum"],
        )
        return total or 0.0

    @api.model
    def _dashboard_card_liability_action(self):
        """The active cards that hold unused value."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.loop_card_action"
        )
        action["domain"] = [
            ("company_id", "=", self.env.company.id),
            ("state", "=", "active"),
            ("balance", ">", 0),
        ]
        return action

    @api.model
    def _dashboard_moves(self, company, today, base, store=None, month=None):
        """What moves month by month (DOMAIN "Retention", family 2).

        From the stored return rates: new-customer retention within 90 days
        and revisits within 90 days of the last month whose 90 days have run
        out, the pre-book rate of the last month ended; and the prospects
        converted this month (their first paid visit came after they entered
        the loop). Each with its numerator, denominator, a reference (Phorest's
        published averages) and what it opens. Two queries.

        ``month`` (the period selector, a month's first day): every figure of
        that month instead (its 90-day rates are still open while its 90 days
        run). ``store`` (the id of a store, see ``_dashboard_stores``): the
        store's rates, and the prospects whose first paid visit was there.
        """
        month_start = retention_rules.month_start
        if month:
            settled = ended = this_month = month_start(month)
        else:
            settled = month_start(today - timedelta(days=RETURN_WINDOW))
            settled = retention_rules.add_months(settled, -1)
            ended = retention_rules.add_months(today, -1)
            this_month = month_start(today)
        scope = self._dashboard_rate_scope(store)
        rows = {
            row.month: row
            for row in self.env["loop.return.rate"].search(
                [
                    ("company_id", "=", company.id),
                    *scope,
                    ("month", "in", [settled, ended]),
                ]
            )
        }
        rates = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.loop_return_rate_action"
        )

        def rate_figure(month, part, whole, reference, opens):
            row = rows.get(month)
            num, den = (row[part], row[whole]) if row else (0, 0)
            return {
                "month": month.strftime("%Y-%m"),
                "numerator": num,
                "denominator": den,
                "rate": round(100.0 * num / den, 1) if den else None,
                "reference": reference,
                "opens": opens,
            }

        next_month = retention_rules.add_months(settled, 1)
        settled_day = fields.Date.to_string(settled)
        ended_day = fields.Date.to_string(ended)

        def opens_rates(day):
            domain = [("month", "=", day)]
            if store:
                domain += scope
            return {"rates": rates | {"domain": domain}}

        moves = {
            "new_retention": rate_figure(
                settled,
                "new_returned_90",
                "new_count",
                NEW_REFERENCE,
                # the new customers of a shop are the shop's rows
                opens_rates(settled_day)
                if store
                else {
                    "customers": base
                    + [
                        ("loop_first_visit", ">=", settled_day),
                        ("loop_first_visit", "<", fields.Date.to_string(next_month)),
                    ]
                },
            ),
            "revisit": rate_figure(
                settled,
                "returned_90",
                "visit_count",
                EXISTING_REFERENCE,
                opens_rates(settled_day),
            ),
            "prebook": rate_figure(
                ended, "prebook_count", "visit_count", None, opens_rates(ended_day)
            ),
        }
        # prospects whose first paid visit is this month (at the shop): they
        # entered the loop (their first stage) before that visit
        tz = company._loop_tz()
        self.env["loop.customer"].flush_model(["first_visit"])
        self.env["loop.stage.history"].flush_model(["date"])
        at_store = self._dashboard_first_visit_at(store, tz) if store else SQL()
        converted = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """SELECT m.partner_id FROM loop_customer m
                        WHERE m.company_id = %(company)s AND m.active
                          AND m.first_visit >= %(start)s AND m.first_visit < %(end)s
                          AND EXISTS (SELECT 1 FROM loop_stage_history h
                                       WHERE h.partner_id = m.partner_id
                                         AND h.company_id = m.company_id
                                         AND %(day)s < m.first_visit)
                          %(at_store)s""",
                    company=company.id,
                    start=this_month,
                    end=retention_rules.add_months(this_month, 1),
                    day=local_date(SQL("h.date"), tz),
                    at_store=at_store,
                )
            )
        ]
        moves["converted"] = {
            "month": this_month.strftime("%Y-%m"),
            "count": len(converted),
            "opens": {"customers": [("id", "in", converted)]},
        }
        return moves

    @api.model
    def _dashboard_stores(self, company):
        """``[{"id", "name"}]``: the stores of ``company`` the dashboard lets
        the manager choose (bridges that count stores give theirs; none: no
        store selector)."""
        return []

    @api.model
    def _dashboard_rate_scope(self, store):
        """The domain of the return rates of ``store`` (None: the company's)."""
        return [("scope", "=", "all")]

    @api.model
    def _dashboard_first_visit_at(self, store, tz):
        """SQL condition on the customer rows ``m``: their first paid visit
        (``m.first_visit``, a local day in ``tz``) was at ``store``."""
        return SQL("AND false")

    @api.model
    def get_dashboard_data(self, store_id=None, month=None):
        """Every figure of the dashboard, with the domain behind each one.

        A fixed number of queries, whatever the number of customers: stage and
        tier counts are two grouped reads, the five headline counts one query
        together, the retention trend one read of the snapshots.

        ``store_id`` (a store of the company, ``_dashboard_stores``) and
        ``month`` (``YYYY-MM-DD``, a month's first day, within the last 24
        months) choose what the "what moves" figures are about; the other
        figures are the company's today.
        """
        company = self.env.company
        base = self._dashboard_customers_domain()
        today = company._loop_today()
        months = [retention_rules.add_months(today, -back) for back in range(0, 24)]
        stores = self._dashboard_stores(company)
        store = store_id or None
        if store and store not in [shop["id"] for shop in stores]:
            raise UserError(
                self.env._(
                    "The dashboard shows the shops of %(company)s only.",
                    company=company.name,
                )
            )
        period = fields.Date.to_date(month) if month else None
        if period and period not in months:
            raise UserError(self.env._("Choose a month of the last two years."))

        # the same customers as ``base``, counted on their loop.customer rows
        members = [("company_id", "=", company.id), ("stage_id", "!=", False)]
        Customer = self.env["loop.customer"]
        stage_counts = dict(Customer._read_group(members, ["stage_id"], ["__count"]))
        stages = self.env["loop.stage"].search([])
        tier_counts = dict(
            Customer._read_group(
                members + [("tier_id", "!=", False)], ["tier_id"], ["__count"]
            )
        )
        tiers = self.env["loop.tier"].search([("company_id", "=", company.id)])

        lost = stages.filtered("is_lost").ids
        headline = {
            # a paid visit in 12 months, and not in the funnel's Lost column
            "kept": [
                ("loop_visit_count_12m", ">", 0),
                ("loop_stage_id", "not in", lost),
            ],
            # Attract holds both, counted apart (DOMAIN "Prospects")
            "prospects": [("loop_prospect", "=", True)],
            "first_timers": [("loop_visit_count", "=", 1)],
            "at_risk": [("loop_health", "=", "at_risk")],
        }
        # each figure opens the customers behind it (the partner domain); all
        # are counted in one pass over the same customers' rows (the partner's
        # loop_x is the row's x), access rules applied by _search
        query = Customer._search(members)
        counts = SQL(", ").join(
            SQL(
                "COUNT(*) FILTER (WHERE %s)",
                SQL(" AND ").join(
                    Customer._condition_to_sql(
                        Customer._table, name.removeprefix("loop_"), op, value, query
                    )
                    for name, op, value in domain
                ),
            )
            for domain in headline.values()
        )
        # due for a visit: the Bookings menu's list, its one definition
        # (res.partner._loop_due_condition), counted in the same pass
        due = SQL(
            "COUNT(*) FILTER (WHERE %s)",
            self.env["res.partner"]._loop_due_condition(Customer._table, company),
        )
        [(*row, due_count)] = self.env.execute_query(query.select(counts, due))
        figures = {
            key: {"count": count, "domain": base + domain}
            for (key, domain), count in zip(headline.items(), row, strict=True)
        }
        figures["due"] = {
            "count": due_count,
            "domain": base + [("loop_due_for_visit", "=", True)],
        }
        trend = self.env["loop.retention.snapshot"]._dashboard_trend(company)
        moves = self._dashboard_moves(company, today, base, store, period)
        views = [
            [self.env.ref("five_customer_loop.res_partner_view_list_loop").id, "list"],
            [
                self.env.ref("five_customer_loop.res_partner_view_kanban_loop").id,
                "kanban",
            ],
            [False, "form"],
        ]
        return {
            "company": company.name,
            "currency_id": company.currency_id.id,
            "partner_views": views,
            "due_days": company.loop_visit_due_days,
            **figures,
            "moves": moves,
            "stores": stores,
            "months": [fields.Date.to_string(day) for day in months],
            "store_id": store or False,
            "month": fields.Date.to_string(period) if period else False,
            "stages": [
                {
                    "id": stage.id,
                    "name": stage.name,
                    "count": stage_counts.get(stage, 0),
                    "is_lost": stage.is_lost,
                    "domain": base + [("loop_stage_id", "=", stage.id)],
                }
                for stage in stages
            ],
            "tiers": [
                {
                    "id": tier.id,
                    "name": tier.name,
                    "count": tier_counts.get(tier, 0),
                    "color": tier.color,
                    "domain": base + [("loop_tier_id", "=", tier.id)],
                }
                for tier in tiers
            ],
            "trend": [
                {
                    "id": row.id,
                    "month": row.month.strftime("%Y-%m"),
                    "retention_rate": row.retention_rate,
                    "churn_rate": row.churn_rate,
                    "kept": row.kept_count,
                    "active_start": row.active_start,
                    "domain": [
                        ("company_id", "=", company.id),
                        ("month", "=", fields.Date.to_string(row.month)),
                    ],
                }
                for row in trend
            ],
            "card_liability": {
                "amount": self._dashboard_card_liability(),
                "action": self._dashboard_card_liability_action(),
            },
        }
