from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    loop_birthday_days = fields.Integer(
        related="company_id.loop_birthday_days", readonly=False
    )
    loop_follow_up_days = fields.Integer(
        related="company_id.loop_follow_up_days", readonly=False
    )
