"""The measures per store: a store is a POS shop (its ``pos.config``).

The retention snapshots and return rates get a row per shop beside the
company's; the monthly report and the dashboard let the manager choose one.
"""

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.five_customer_loop.lib.loop_sql import local_date

from ..lib.pos_rules import PAID_STATES


class LoopRetentionSnapshot(models.Model):
    _inherit = "loop.retention.snapshot"
    # the row of all the stores first (an empty shop), then the shops
    _order = "month desc, company_id, config_id desc, tier_id desc, id"

    config_id = fields.Many2one(
        "pos.config",
        string="Store",
        readonly=True,
        ondelete="cascade",
        check_company=True,
        help="The POS shop; empty on the row of all the stores of the company.",
    )

    def _store_name(self):
        return self.config_id.name or super()._store_name()

    @api.model
    def _store_values(self, store):
        return {**super()._store_values(store), "config_id": store or False}


class LoopReturnRate(models.Model):
    _inherit = "loop.return.rate"

    config_id = fields.Many2one(
        "pos.config", string="Store", readonly=True, ondelete="cascade"
    )

    def _store_name(self):
        return self.config_id.name or super()._store_name()

    @api.model
    def _store_values(self, store):
        return {**super()._store_values(store), "config_id": store or False}

    @api.model
    def _visit_tills(self, company, low, high):
        """The day's first paid POS order of each customer: its shop, its
        cashier, and the staff named on its first line (read for that order
        only, once the day's orders are reduced to it)."""
        order_day = local_date(SQL("o.date_order"), company._loop_tz())
        return SQL(
            """SELECT t.partner_id, t.day, t.store_id, t.user_id,
                      (SELECT l.loop_staff_id FROM pos_order_line l
                        WHERE l.order_id = t.order_id
                          AND l.loop_staff_id IS NOT NULL
                        ORDER BY l.id LIMIT 1) AS loop_staff_id
                 FROM (SELECT DISTINCT ON (o.partner_id, %(order_day)s)
                              o.partner_id, %(order_day)s AS day,
                              o.config_id AS store_id, o.user_id,
                              o.id AS order_id
                         FROM pos_order o
                        WHERE o.company_id = %(company)s
                          AND o.partner_id IS NOT NULL
                          AND o.state IN %(states)s AND o.amount_total > 0
                          AND o.date_order >= %(low)s AND o.date_order < %(high)s
                        ORDER BY o.partner_id, %(order_day)s, o.date_order, o.id
                      ) t""",
            order_day=order_day,
            company=company.id,
            states=PAID_STATES,
            low=low,
            high=high,
        )


class LoopMonthlyReportWizard(models.TransientModel):
    _inherit = "loop.monthly.report.wizard"

    config_id = fields.Many2one(
        "pos.config",
        string="Store",
        check_company=True,
        help="Leave empty for all the stores of the company.",
    )

    def _store_key(self):
        return self.config_id.id or super()._store_key()

    def _store_name(self):
        return self.config_id.name or super()._store_name()


class LoopDashboard(models.AbstractModel):
    _inherit = "loop.dashboard"

    @api.model
    def _dashboard_stores(self, company):
        """The company's POS shops."""
        # sudo: the names of the current company's shops, for the selector (a
        # loop manager need not be a POS user); nothing else is read
        shops = self.env["pos.config"].sudo().search([("company_id", "=", company.id)])
        return [{"id": shop.id, "name": shop.name} for shop in shops]

    @api.model
    def _dashboard_rate_scope(self, store):
        if store:
            return [("scope", "=", "store"), ("config_id", "=", store)]
        return super()._dashboard_rate_scope(store)

    @api.model
    def _dashboard_first_visit_at(self, store, tz):
        """A paid order of the customer at the shop on her first visit day."""
        self.env["pos.order"].flush_model(["partner_id", "session_id", "date_order"])
        return SQL(
            """AND EXISTS (SELECT 1 FROM pos_order o
                             JOIN pos_session s ON s.id = o.session_id
                            WHERE o.partner_id = m.partner_id
                              AND o.company_id = m.company_id
                              AND s.config_id = %s AND %s = m.first_visit)""",
            store,
            local_date(SQL("o.date_order"), tz),
        )
