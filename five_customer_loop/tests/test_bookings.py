from datetime import datetime

import psycopg2.errors

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import html2plaintext, mute_logger

from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG

from ..models.calendar_event import BOOKING_STATES
from .common_bookings import BookingCase, utc
from .refusal import RefusalMixin

# Where a booking in each state may go (written out by hand, not read from the
# code): forward through the visit, no-show and cancelled can be booked again.
EXPECTED = {
    "booked": {"confirmed", "arrived", "done", "no_show", "cancelled"},
    "confirmed": {"arrived", "done", "no_show", "cancelled"},
    "arrived": {"done", "cancelled"},
    "done": set(),
    "no_show": {"booked"},
    "cancelled": {"booked"},
}


@tagged("post_install", "-at_install")
class TestBookings(RefusalMixin, BookingCase):
    # -------------------------------------------------------------- a booking
    def test_new_booking(self):
        with self.clock("2026-06-01 09:00"):
            booking = self.book(
                "2026-06-10 10:00",
                loop_service_ids=[Command.set((self.service | self.massage).ids)],
            )
        self.assertTrue(booking.is_loop_booking)
        self.assertEqual(booking.loop_state, "booked")
        self.assertEqual(booking.name, "Alice · Facial Care, Massage")
        # 1 hour of facial + 30 minutes of massage from 10:00 local (02:00 UTC)
        self.assertEqual(booking.start, datetime(2026, 6, 10, 2, 0))
        self.assertEqual(booking.stop, datetime(2026, 6, 10, 3, 30))
        self.assertEqual(booking.duration, 1.5)
        # the staff member organizes it; customer and staff attend
        self.assertEqual(booking.user_id, self.anna)
        self.assertEqual(booking.partner_ids, self.alice | self.anna.partner_id)
        self.assertEqual(booking.privacy, "confidential")
        self.assertEqual(booking.loop_company_id, self.company)
        self.assertEqual(booking.loop_booked_on, datetime(2026, 6, 1, 1, 0))
        self.assertEqual(booking.loop_color, 4)

        # other services: the booking is resized and renamed
        booking.loop_service_ids = [Command.set(self.massage.ids)]
        self.assertEqual(booking.stop, datetime(2026, 6, 10, 2, 30))
        self.assertEqual(booking.name, "Alice · Massage")
        # another customer and staff member: attendees and organizer follow
        booking.write({"loop_partner_id": self.bob.id, "loop_staff_id": self.bella.id})
        self.assertEqual(booking.partner_ids, self.bob | self.bella.partner_id)
        self.assertEqual(booking.user_id, self.bella)
        self.assertEqual(booking.name, "Bob · Massage")

    def test_booking_form_from_calendar_slot(self):
        """A click on a 30-minute slot: the services set the real duration."""
        events = self.env(user=self.anna)["calendar.event"].with_context(
            default_is_loop_booking=True,
            default_start=fields.Datetime.to_string(utc("2026-06-10 10:00")),
            default_stop=fields.Datetime.to_string(utc("2026-06-10 10:30")),
        )
        with self.clock("2026-06-01 09:00"):
            form = Form(events, view="five_customer_loop.calendar_event_view_form_loop")
            self.assertEqual(form.loop_staff_id, self.anna)
            form.loop_partner_id = self.alice
            form.loop_service_ids.add(self.service)
            form.loop_service_ids.add(self.massage)
            self.assertEqual(form.duration, 1.5)
            booking = form.save()
        self.assertEqual(
            (booking.start, booking.stop),
            (datetime(2026, 6, 10, 2, 0), datetime(2026, 6, 10, 3, 30)),
        )
        self.assertEqual(booking.loop_staff_id, self.anna)

    def test_booking_needs_customer_staff_and_service(self):
        with self.assertRefused(ValidationError, "at least one service"):
            self.book(loop_service_ids=[])
        with self.assertRefused(ValidationError, "is booked or confirmed"):
            self.book(loop_state="done")
        with self.assertRefused(ValidationError, "end after the start"):
            self.book(stop=utc("2026-06-10 10:00"))
        self.assertFalse(self.Event.search([("is_loop_booking", "=", True)]))

    # -------------------------------------------------------------- the states
    def test_state_transitions(self):
        """Every pair of states: allowed moves happen, the others change nothing."""
        states = [state for state, _label in BOOKING_STATES]
        paths = {
            "booked": [],
            "confirmed": ["confirmed"],
            "arrived": ["arrived"],
            "done": ["arrived", "done"],
            "no_show": ["no_show"],
            "cancelled": ["cancelled"],
        }
        slot = 0
        # the clock is after every booking, so that a customer can miss it
        with self.clock("2026-07-01 09:00"):
            for origin in states:
                for target in states:
                    if origin == target:
                        continue
                    slot += 1
                    with self.subTest(origin=origin, target=target):
                        booking = self.book(
                            f"2026-06-{slot // 4 + 1:02d} {8 + 2 * (slot % 4):02d}:00"
                        )
                        booking = booking.with_user(self.anna)
                        for state in paths[origin]:
                            booking.write({"loop_state": state})
                        self.assertEqual(booking.loop_state, origin)
                        if target in EXPECTED[origin]:
                            booking.write({"loop_state": target})
                            self.assertEqual(booking.loop_state, target)
                        else:
                            with self.assertRefused(UserError, "cannot become"):
                                booking.write({"loop_state": target})
                            self.assertEqual(booking.loop_state, origin)
                        # the same state again is no change
                        booking.write({"loop_state": booking.loop_state})

    def test_buttons(self):
        with self.clock("2026-06-01 09:00"):
            booking = self.book().with_user(self.anna)
        with self.clock("2026-06-10 09:50"):
            booking.action_loop_confirm()
            self.assertEqual(booking.loop_state, "confirmed")
            self.assertEqual(booking.loop_color, 8)
            booking.action_loop_arrive()
            self.assertEqual(booking.loop_state, "arrived")
        with self.clock("2026-06-10 11:05"):
            action = booking.action_loop_done()
        self.assertEqual(booking.loop_state, "done")
        self.assertEqual(booking.loop_done_date, utc("2026-06-10 11:05"))
        self.assertEqual(booking.loop_color, 10)
        # completing a booking opens the reverse appointment wizard
        self.assertEqual(action["res_model"], "loop.rebook.wizard")
        self.assertEqual(action["context"], {"default_event_id": booking.id})
        self.assertEqual(booking.loop_care_count, 1)

    def test_no_show_only_once_the_time_has_come(self):
        with self.clock("2026-06-01 09:00"):
            booking = self.book().with_user(self.anna)
        with self.clock("2026-06-10 09:59"):
            with self.assertRefused(UserError, "starts at 2026-06-10 10:00"):
                booking.action_loop_no_show()
            self.assertEqual(booking.loop_state, "booked")
        with self.clock("2026-06-10 10:20"):
            booking.action_loop_no_show()
        self.assertEqual((booking.loop_state, booking.loop_color), ("no_show", 1))
        self.assertFalse(booking.loop_care_record_ids)

    def test_cancel_drops_reminders_and_book_again_restores_them(self):
        with self.clock("2026-06-01 09:00"):
            booking = self.book().with_user(self.anna)
            defaults = booking.alarm_ids
            self.assertEqual(len(defaults), 2)
            booking.action_loop_cancel()
            self.assertFalse(booking.alarm_ids)
            booking.action_loop_reset()
        self.assertEqual(booking.loop_state, "booked")
        self.assertEqual(booking.alarm_ids, defaults)

    def test_done_booking_is_kept(self):
        with self.clock("2026-06-01 09:00"):
            booking = self.book().with_user(self.anna)
            other = self.book("2026-06-11 10:00").with_user(self.anna)
        with self.clock("2026-06-10 11:00"):
            booking.with_context(loop_no_rebook=True).action_loop_done()
        with self.assertRefused(UserError, "stay as they were"):
            booking.write({"start": utc("2026-06-12 10:00")})
        with self.assertRefused(UserError, "stay as they were"):
            booking.write({"loop_partner_id": self.bob.id})
        self.assertEqual(booking.start, utc("2026-06-10 10:00"))
        with self.assertRefused(UserError, "cannot be deleted"):
            booking.unlink()
        # a booking still to come can go
        other.unlink()
        self.assertFalse(other.exists())

    def test_only_loop_users_change_states(self):
        clerk = self.company_user("clerk", groups="base.group_user")
        with self.clock("2026-06-01 09:00"):
            booking = self.book()
            with self.assertRefused(AccessError, "Only Customer Loop users"):
                booking.with_user(clerk).action_loop_confirm()
        self.assertEqual(booking.loop_state, "booked")

    # ---------------------------------------------------------- double booking
    def test_overlap_refused_naming_the_booking(self):
        with self.clock("2026-06-01 09:00"):
            self.book("2026-06-10 10:00")  # Anna, 10:00-11:00
            # starts inside, ends inside, around, same time, within
            for start, services in (
                ("2026-06-10 10:30", self.service),
                ("2026-06-10 09:30", self.service),
                ("2026-06-10 09:45", self.service | self.massage),
                ("2026-06-10 10:00", self.massage),
                ("2026-06-10 10:15", self.massage),
            ):
                with self.subTest(start=start):
                    with self.assertRefused(
                        ValidationError,
                        "Anna is already booked from 2026-06-10 10:00 to 11:00 "
                        "(Alice · Facial Care): choose another time or another "
                        "staff member.",
                    ):
                        self.book(
                            start,
                            partner=self.bob,
                            loop_service_ids=[Command.set(services.ids)],
                        )
            self.assertEqual(
                self.Event.search_count([("loop_staff_id", "=", self.anna.id)]), 1
            )
            # another staff member at the same time is fine
            self.book("2026-06-10 10:00", partner=self.bob, staff=self.bella)

    def test_back_to_back_allowed(self):
        with self.clock("2026-06-01 09:00"):
            middle = self.book("2026-06-10 10:00")  # 10:00-11:00
            after = self.book("2026-06-10 11:00", partner=self.bob)  # 11:00-12:00
            # 09:30-10:00: a massage ending when the facial starts
            before = self.book(
                "2026-06-10 09:30",
                partner=self.bob,
                loop_service_ids=[Command.set(self.massage.ids)],
            )
        self.assertEqual(before.stop, middle.start)
        self.assertEqual(middle.stop, after.start)

    def test_free_states_ignored(self):
        with self.clock("2026-06-01 09:00"):
            first = self.book("2026-06-10 10:00").with_user(self.anna)
            first.action_loop_cancel()
            second = self.book("2026-06-10 10:00", partner=self.bob)
            # booking the cancelled visit again would double book Anna
            with self.assertRefused(ValidationError, "(Bob · Facial Care)"):
                first.action_loop_reset()
            self.assertEqual(first.loop_state, "cancelled")
        with self.clock("2026-06-10 10:30"):
            second.with_user(self.anna).action_loop_no_show()
            self.book("2026-06-10 10:00", partner=self.bob)

    def test_overlap_when_moving_or_in_one_batch(self):
        with self.clock("2026-06-01 09:00"):
            self.book("2026-06-10 10:00")
            later = self.book("2026-06-10 14:00", partner=self.bob)
            with self.assertRefused(ValidationError, "from 2026-06-10 10:00 to 11:00"):
                later.write({"start": utc("2026-06-10 10:30")})
            self.assertEqual(later.start, utc("2026-06-10 14:00"))
            vals = {
                "loop_partner_id": self.bob.id,
                "loop_staff_id": self.bella.id,
                "loop_service_ids": [Command.set(self.service.ids)],
            }
            with self.assertRefused(ValidationError, "Bella is already booked"):
                self.Event.create(
                    [
                        {**vals, "start": utc("2026-06-11 10:00")},
                        {**vals, "start": utc("2026-06-11 10:30")},
                    ]
                )
            self.assertFalse(self.Event.search([("loop_staff_id", "=", self.bella.id)]))

    def test_overlap_check_is_one_query(self):
        with self.clock("2026-06-01 09:00"):
            bookings = (
                self.book("2026-06-10 10:00")
                | self.book("2026-06-10 11:00", partner=self.bob)
                | self.book("2026-06-10 10:00", partner=self.bob, staff=self.bella)
            )
        self.env.flush_all()
        with self.assertQueryCount(1):
            bookings._check_loop_staff_availability()

    # --------------------------------------------------------------- reminders
    def _messages_to(self, booking, partner):
        # sudo: notifications are only visible to their recipients
        return (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("model", "=", "calendar.event"),
                    ("res_id", "=", booking.id),
                    ("partner_ids", "in", partner.ids),
                ]
            )
        )

    def test_reminders(self):
        self.alice.email = "alice@example.com"
        self.company.write(
            {
                "name": "Lotus Beauty",
                "phone": "021-1234 5678",
                "street": "88 Nanjing Road",
                "city": "Shanghai",
            }
        )
        with self.clock("2026-06-01 09:00"):
            booking = self.book(
                "2026-06-11 10:00",
                loop_service_ids=[Command.set((self.service | self.massage).ids)],
            )
            cancelled = self.book("2026-06-11 14:00").with_user(self.anna)
            cancelled.action_loop_cancel()
        reminder = self.env.ref("five_customer_loop.calendar_alarm_booking_mail_1day")
        self.assertEqual(
            booking.alarm_ids, reminder | self.env.ref("calendar.alarm_notif_4")
        )
        self.assertEqual(
            (reminder.alarm_type, reminder.duration_minutes), ("email", 1440)
        )
        # a booking sends the customer no meeting invitation
        self.assertFalse(self._messages_to(booking, self.alice))

        # the customer's reminder, in the store's local time
        attendee = booking.attendee_ids.filtered(lambda a: a.partner_id == self.alice)
        template = reminder.mail_template_id
        body = template._render_field("body_html", attendee.ids)[attendee.id]
        subject = template._render_field("subject", attendee.ids)[attendee.id]
        self.assertEqual(subject, "Lotus Beauty · 2026-06-11 10:00")
        text = " ".join(html2plaintext(body).split())
        for expected in (
            "Hello Alice",
            "visit at *Lotus Beauty*",
            "Time: *2026-06-11 10:00 (Thursday)*",
            "Services: Facial Care, Massage",
            "Your beautician: Anna",
            "Address: 88 Nanjing Road, Shanghai",
            "Phone: 021-1234 5678",
        ):
            self.assertIn(expected, text)

        # the alarm runs a day before: the customer only, not the cancelled visit
        with self.clock("2026-06-10 10:01"):
            self.env["calendar.alarm_manager"].with_context(
                lastcall=utc("2026-06-10 09:00")
            )._send_reminder()
        sent = self._messages_to(booking, self.alice)
        self.assertEqual(sent.mapped("subject"), ["Lotus Beauty · 2026-06-11 10:00"])
        self.assertFalse(self._messages_to(booking, self.anna.partner_id))
        self.assertFalse(self._messages_to(cancelled, self.alice))

    def test_uninstall_detaches_the_reminder(self):
        """Uninstalling removes the booking reminder even when bookings use it."""
        with self.clock("2026-06-01 09:00"):
            booking = self.book()
        reminder = self.env.ref("five_customer_loop.calendar_alarm_booking_mail_1day")
        # outside an uninstallation, Odoo's restriction stands
        with self.assertRaises(psycopg2.errors.ForeignKeyViolation):
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                reminder.unlink()
        reminder.with_context(**{MODULE_UNINSTALL_FLAG: True}).unlink()
        self.assertFalse(reminder.exists())
        self.assertEqual(booking.alarm_ids, self.env.ref("calendar.alarm_notif_4"))

    def test_plain_meetings_unchanged(self):
        """The Odoo calendar keeps working: meetings overlap and invite as before."""
        self.bob.email = "bob@example.com"
        with self.clock("2026-06-01 09:00"):
            self.book("2026-06-10 10:00")
            meeting = (
                self.env(user=self.anna)["calendar.event"]
                .create(
                    {
                        "name": "Team meeting",
                        "start": utc("2026-06-10 10:00"),
                        "stop": utc("2026-06-10 12:00"),
                        "partner_ids": [
                            Command.set((self.anna.partner_id | self.bob).ids)
                        ],
                    }
                )
                .with_env(self.env)
            )
        self.assertFalse(meeting.is_loop_booking)
        self.assertEqual(meeting.stop, utc("2026-06-10 12:00"))
        self.assertFalse(meeting.loop_staff_id)
        self.assertTrue(self._messages_to(meeting, self.bob))
