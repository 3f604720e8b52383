from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def write(self, vals):
        before = self.partner_id if "partner_id" in vals else self.env["res.partner"]
        res = super().write(vals)
        if "state" in vals or "partner_id" in vals or "date_order" in vals:
            self.env["loop.engine"].refresh_partners(self.partner_id | before)
        return res
