from odoo import models

from ..lib.loop_sql import PAID_STATES


class PosOrder(models.Model):
    _inherit = "pos.order"

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
