"""The analysis reports by home store: the customer's POS shop."""

from odoo import fields, models
from odoo.tools import SQL


class LoopCustomerAnalysis(models.Model):
    _inherit = "loop.customer.analysis"

    store_id = fields.Many2one("pos.config", string="Home Store", readonly=True)

    def _partner_columns(self):
        return SQL("%s p.loop_store_id AS store_id,", super()._partner_columns())


class LoopReferralReport(models.Model):
    _inherit = "loop.referral.report"

    store_id = fields.Many2one("pos.config", string="Home Store", readonly=True)

    def _partner_columns(self):
        return SQL("%s p.loop_store_id AS store_id,", super()._partner_columns())
