from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    loop_online_booking = fields.Boolean(
        string="Online Booking",
        help="Customers book this store's services on the website (/book).",
    )
    loop_online_lead_hours = fields.Float(
        string="Minimum Lead Time (Hours)",
        default=2.0,
        help="A booking made online starts at least this long after it is made.",
    )
    loop_online_slot_minutes = fields.Integer(
        string="Slot Step (Minutes)",
        default=30,
        help="Online bookings start on this grid from midnight: every 30 "
        "minutes gives 09:00, 09:30...",
    )
    loop_online_days = fields.Integer(
        string="Days Bookable Ahead",
        default=14,
        help="How many days ahead the booking page offers.",
    )
    loop_online_cancel_hours = fields.Integer(
        string="Cancellation Window (Hours)",
        default=24,
        help="A customer cancels or moves her booking on her page up to this many "
        "hours before it starts; later, she calls the store.",
    )
    loop_online_hold_minutes = fields.Integer(
        string="Waitlist Hold (Minutes)",
        default=60,
        help="A freed time offered to the first person waiting is held for her this "
        "long; then it passes to the next one.",
    )
    loop_online_max_open = fields.Integer(
        string="Open Bookings per Mobile Number",
        default=3,
        help="A mobile number holding this many bookings to come cannot book "
        "more online.",
    )

    @api.constrains(
        "loop_online_lead_hours",
        "loop_online_slot_minutes",
        "loop_online_days",
        "loop_online_max_open",
        "loop_online_cancel_hours",
        "loop_online_hold_minutes",
    )
    def _check_loop_online_booking(self):
        for company in self:
            if company.loop_online_lead_hours < 0:
                raise ValidationError(
                    self.env._("The minimum lead time cannot be negative.")
                )
            if not 5 <= company.loop_online_slot_minutes <= 240:
                raise ValidationError(self.env._("The slot step is 5 to 240 minutes."))
            if not 1 <= company.loop_online_days <= 90:
                raise ValidationError(
                    self.env._("The booking page offers 1 to 90 days ahead.")
                )
            if company.loop_online_cancel_hours < 0:
                raise ValidationError(
                    self.env._("The cancellation window cannot be negative.")
                )
            if not 5 <= company.loop_online_hold_minutes <= 1440:
                raise ValidationError(
                    self.env._("A waitlist offer is held 5 minutes to one day.")
                )
            if company.loop_online_max_open < 1:
                raise ValidationError(
                    self.env._("A mobile number may hold at least one booking.")
                )
