from odoo import fields, models

from odoo.addons.five_customer_loop.lib import booking_rules as rules


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    loop_booking_channel = fields.Selection(
        [("desk", "Front Desk"), ("online", "Online")],
        string="Booked Through",
        default="desk",
        index=True,
        copy=False,
        help="Online: the customer booked herself on the website.",
    )

    def _loop_on_state(self, state):
        """A booking that stops holding its staff member's time ahead of it
        (cancelled, no-show) is offered to the first person waiting."""
        res = super()._loop_on_state(state)
        if state in rules.FREE_STATES:
            self.env["loop.booking.waitlist"]._offer_freed(
                self.filtered("is_loop_booking")
            )
        return res
