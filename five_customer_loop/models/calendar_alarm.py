from odoo import api, models
from odoo.tools import SQL

from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG


class CalendarAlarm(models.Model):
    _inherit = "calendar.alarm"

    @api.ondelete(at_uninstall=True)
    def _unlink_detach_events_on_uninstall(self):
        """Uninstalling a module removes its alarms even when events use them.

        Events refer to their alarms with ``ON DELETE RESTRICT``: the booking
        reminder of this addon would otherwise block its own uninstallation
        once bookings exist. Outside an uninstallation nothing changes.
        """
        if self.env.context.get(MODULE_UNINSTALL_FLAG) and self.ids:
            self.env.cr.execute(
                SQL(
                    """DELETE FROM calendar_alarm_calendar_event_rel
                        WHERE calendar_alarm_id = ANY(%s)""",
                    self.ids,
                )
            )
            self.env["calendar.event"].invalidate_model(["alarm_ids"])
