from odoo import fields, models

# The online booking settings of the store, on the loop's settings page.
ONLINE_SETTINGS = {
    "loop_online_booking": fields.Boolean,
    "loop_online_lead_hours": fields.Float,
    "loop_online_slot_minutes": fields.Integer,
    "loop_online_days": fields.Integer,
    "loop_online_max_open": fields.Integer,
    "loop_online_cancel_hours": fields.Integer,
    "loop_online_hold_minutes": fields.Integer,
}


class LoopSettings(models.TransientModel):
    _inherit = "loop.settings"

    for _setting, _kind in ONLINE_SETTINGS.items():
        vars()[_setting] = _kind(related=f"company_id.{_setting}", readonly=False)
    del _setting, _kind

    def _loop_setting_names(self):
        return super()._loop_setting_names() | set(ONLINE_SETTINGS)
