from odoo import models

from ..lib import booking_rules as rules


class CalendarAttendee(models.Model):
    _inherit = "calendar.attendee"

    def _send_mail_to_attendees(self, mail_template, force_send=False):
        """Bookings mail their customer only, and only the booking's reminders.

        A booking is not a meeting: the customer gets no invitation with
        accept/decline buttons and no "date changed" mail, only the reminders of
        the booking's alarms (by default the customer reminder, a day before),
        and only while the visit is still to come (booked or confirmed). The
        staff member sees the booking in their calendar and gets the
        notification alarm instead of mails.
        """
        bookings = self.filtered(lambda a: a.event_id.is_loop_booking)
        if not bookings:
            return super()._send_mail_to_attendees(mail_template, force_send=force_send)
        reminded = bookings.filtered(
            lambda a: a.partner_id == a.event_id.loop_partner_id
            and a.event_id.loop_state in (rules.BOOKED, rules.CONFIRMED)
            and mail_template in a.event_id.alarm_ids.mail_template_id
        )
        attendees = (self - bookings) | reminded
        if not attendees:
            return False
        return super(CalendarAttendee, attendees)._send_mail_to_attendees(
            mail_template, force_send=force_send
        )
