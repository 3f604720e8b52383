from odoo import fields, models


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
