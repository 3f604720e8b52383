from odoo import fields, models
from odoo.exceptions import AccessError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    loop_lost_days = fields.Integer(related="company_id.loop_lost_days", readonly=False)
    loop_at_risk_min_days = fields.Integer(
        related="company_id.loop_at_risk_min_days", readonly=False
    )
    loop_at_risk_factor = fields.Float(
        related="company_id.loop_at_risk_factor", readonly=False
    )
    loop_segment_mode = fields.Selection(
        related="company_id.loop_segment_mode", readonly=False
    )
    loop_segment_amount = fields.Float(
        related="company_id.loop_segment_amount", readonly=False
    )
    loop_segment_frequency = fields.Float(
        related="company_id.loop_segment_frequency", readonly=False
    )
    loop_conversion_days = fields.Integer(
        related="company_id.loop_conversion_days", readonly=False
    )
    loop_birthday_days = fields.Integer(
        related="company_id.loop_birthday_days", readonly=False
    )
    loop_follow_up_days = fields.Integer(
        related="company_id.loop_follow_up_days", readonly=False
    )

    loop_rebook_default_days = fields.Integer(
        related="company_id.loop_rebook_default_days", readonly=False
    )
    loop_visit_due_days = fields.Integer(
        related="company_id.loop_visit_due_days", readonly=False
    )

    def action_loop_reconstruct_history(self):
        """Rebuild the current company's reconstructed stage and tier history."""
        self.ensure_one()
        if not self.env.user.has_group("five_customer_loop.group_loop_manager"):
            raise AccessError(
                self.env._("Only loop managers reconstruct the loop's history.")
            )
        totals = self.env["loop.history.reconstruction"]._reconstruct(self.company_id)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("History reconstructed"),
                "message": self.env._(
                    "%(customers)s customers: %(stage)s stage stays and "
                    "%(tier)s tier changes reconstructed from the order history.",
                    **totals,
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
