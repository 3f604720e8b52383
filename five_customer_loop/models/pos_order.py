from odoo import models
from odoo.tools import SQL

from ..lib.loop_sql import PAID_STATES


class PosOrder(models.Model):
    _inherit = "pos.order"

    def init(self):
        res = super().init()
        # The loop engine reads the paid orders of a batch of customers: with every
        # column it needs in the index, PostgreSQL answers with an index-only scan
        # instead of reading the whole order table for every batch.
        self.env.cr.execute(
            SQL(
                """CREATE INDEX IF NOT EXISTS pos_order_loop_partner_index
                       ON pos_order (partner_id, company_id, state)
                       INCLUDE (id, date_order, amount_total, currency_rate)
                    WHERE partner_id IS NOT NULL"""
            )
        )
        return res

    def write(self, vals):
        before = self.partner_id if "partner_id" in vals else self.env["res.partner"]
        res = super().write(vals)
        # Bulk loads (demo data, imports) skip the per-order refresh and run one
        # recompute at the end.
        if self.env.context.get("loop_no_refresh"):
            return res
        if vals.get("state") in PAID_STATES or "partner_id" in vals:
            paid = self.filtered(lambda o: o.state in PAID_STATES)
            if paid or before:
                self.env["loop.engine"].refresh_partners(paid.partner_id | before)
        return res
