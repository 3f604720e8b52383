from odoo import api, fields, models
from odoo.exceptions import AccessError

# The company's loop settings, edited here by loop managers: each is the
# company's field of the same name (its label, help and checks).
SETTINGS = {
    "loop_lost_days": fields.Integer,
    "loop_at_risk_min_days": fields.Integer,
    "loop_at_risk_factor": fields.Float,
    "loop_segment_mode": fields.Selection,
    "loop_segment_amount": fields.Float,
    "loop_segment_frequency": fields.Float,
    "loop_conversion_days": fields.Integer,
    "loop_birthday_days": fields.Integer,
    "loop_follow_up_days": fields.Integer,
    "loop_rebook_default_days": fields.Integer,
    "loop_visit_due_days": fields.Integer,
}


class LoopSettings(models.TransientModel):
    """The loop's settings of the current company, for loop managers.

    Odoo's Settings page is for administrators (``res.config.settings``
    refuses everyone else's changes); the loop's settings belong to the
    people who run the loop. Same page, same widgets (the settings form
    view), saved by ``execute`` as Odoo's settings are.
    """

    _name = "loop.settings"
    _description = "Customer Loop Settings"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    # one related field per setting, declared from SETTINGS
    for _setting, _kind in SETTINGS.items():
        vars()[_setting] = _kind(related=f"company_id.{_setting}", readonly=False)
    del _setting, _kind

    @api.model_create_multi
    def create(self, vals_list):
        """Save the settings into the current company.

        Loop managers may not write companies: the settings are written as
        superuser. Safe: only loop managers create these records (access
        rights, checked here again), the company is always the user's current
        one, and only the loop's own settings are written (the company's
        constraints check their values).
        """
        if not self.env.user.has_group("five_customer_loop.group_loop_manager"):
            raise AccessError(
                self.env._("Only loop managers change the loop's settings.")
            )
        for vals in vals_list:
            vals["company_id"] = self.env.company.id
            unknown = set(vals) - self._loop_setting_names() - {"company_id"}
            if unknown:
                raise AccessError(
                    self.env._(
                        "These are not settings of the loop: %(names)s",
                        names=", ".join(sorted(unknown)),
                    )
                )
        # sudo: see above
        return super(LoopSettings, self.sudo()).create(vals_list).sudo(False)

    def _loop_setting_names(self):
        """The company fields this page writes (addons add theirs)."""
        return set(SETTINGS)

    def execute(self):
        """The settings page's Save: the values are written; reload the page."""
        return {"type": "ir.actions.client", "tag": "reload"}

    def cancel(self):
        """The settings page's Discard: show the saved values again."""
        return {"type": "ir.actions.client", "tag": "reload"}

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
