from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    loop_rebook_default_days = fields.Integer(
        related="company_id.loop_rebook_default_days", readonly=False
    )
    loop_visit_due_days = fields.Integer(
        related="company_id.loop_visit_due_days", readonly=False
    )
