"""Completing bookings: care records, card sessions and the reverse appointment."""

from datetime import datetime

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common_bookings import BookingCase, utc
from .refusal import RefusalMixin


class BookingVisitCase(BookingCase):
    """Bookings done on a day, and the rebooking wizard on them; shared with
    the bridge's tests of the visits that need paid orders."""

    def _visit(self, start="2026-06-10 10:00", done="2026-06-10 11:40", **vals):
        """A booking made on 1 June, done at local ``done``."""
        with self.clock("2026-06-01 09:00"):
            booking = self.book(start, **vals).with_user(self.anna)
        with self.clock(done):
            booking.action_loop_arrive()
            booking.with_context(loop_no_rebook=True).action_loop_done()
        return booking

    def _wizard(self, booking, when="2026-06-10 11:41"):
        with self.clock(when):
            return Form(
                self.env(user=self.anna)["loop.rebook.wizard"].with_context(
                    default_event_id=booking.id
                )
            )


@tagged("post_install", "-at_install")
class TestBookingVisits(RefusalMixin, BookingVisitCase):
    # ------------------------------------------------------------ care records
    def test_done_writes_care_records_and_uses_card_sessions(self):
        card = self.issue(self.package, when="2026-06-01")
        with self.clock("2026-06-01 09:00"):
            # the form proposes the customer's package
            form = Form(
                self.env(user=self.anna)["calendar.event"].with_context(
                    default_is_loop_booking=True
                ),
                view="five_customer_loop.calendar_event_view_form_loop",
            )
            form.loop_partner_id = self.alice
            form.loop_service_ids.add(self.service)
            form.loop_service_ids.add(self.massage)
            self.assertEqual(form.loop_card_id, card)
            form.start = utc("2026-06-10 10:00")
            booking = form.save()
        with self.clock("2026-06-10 11:40"):
            booking.action_loop_done()

        facial, massage = booking.loop_care_record_ids.sorted("date")
        # one done care record per service, one after the other from 10:00 local
        for record, service, start, duration in (
            (facial, self.service, datetime(2026, 6, 10, 2, 0), 1.0),
            (massage, self.massage, datetime(2026, 6, 10, 3, 0), 0.5),
        ):
            self.assertRecordValues(
                record,
                [
                    {
                        "partner_id": self.alice.id,
                        "product_id": service.id,
                        "user_id": self.anna.id,
                        "calendar_event_id": booking.id,
                        "date": start,
                        "duration": duration,
                        "state": "done",
                        "company_id": self.company.id,
                    }
                ],
            )
        # next recommended visit: 10 June + 21 days (the facial's interval)
        self.assertEqual(str(facial.next_visit_date), "2026-07-01")
        # one session of each: 2,250 / 10 = 225 and 750 / 5 = 150 released
        self.assertEqual(
            self.sessions(card), {"Facial Care": (9, 2025.0), "Massage": (4, 600.0)}
        )
        consumed = card.move_ids.filtered(lambda m: m.kind == "consume")
        self.assertEqual(consumed.calendar_event_id, booking)
        self.assertEqual(
            sorted(consumed.mapped("origin")),
            ["Alice · Facial Care · 2026-06-10", "Alice · Massage · 2026-06-10"],
        )

        # cancelling the massage's care record gives its session back
        massage.with_user(self.anna).action_cancel()
        self.assertEqual(
            self.sessions(card), {"Facial Care": (9, 2025.0), "Massage": (5, 750.0)}
        )
        reversal = card.move_ids.filtered("reversed_move_id")
        self.assertEqual(reversal.reversed_move_id.product_id, self.massage)
        self.assertEqual(
            (reversal.sessions, reversal.amount, reversal.calendar_event_id),
            (1, 150.0, booking),
        )
        self.assertIn("Care record cancelled", reversal.reason)
        # done again: the session is taken again
        massage.with_user(self.anna).action_draft()
        massage.with_user(self.anna).action_done()
        self.assertEqual(self.sessions(card)["Massage"], (4, 600.0))
        self.assertEqual(booking.loop_care_count, 2)

    def test_no_session_left_refuses_completion(self):
        single = self.env["loop.card.type"].create(
            {
                "name": "One Facial",
                "kind": "session",
                "price": 300.0,
                "validity_number": 0,
                "company_id": self.company.id,
                "line_ids": [
                    Command.create({"product_id": self.service.id, "sessions": 1})
                ],
            }
        )
        card = self.issue(single, when="2026-06-01")
        self.assertEqual(self.sessions(card), {"Facial Care": (1, 300.0)})
        self._visit(loop_card_id=card.id)
        self.assertEqual(self.sessions(card), {"Facial Care": (0, 0.0)})
        with self.clock("2026-06-01 09:00"):
            second = self.book("2026-06-12 10:00", loop_card_id=card.id)
        with self.clock("2026-06-12 11:00"):
            with self.assertRefused(UserError, "0 session(s) of Facial Care left"):
                second.with_user(self.anna).action_loop_done()
        self.assertEqual(second.loop_state, "booked")
        self.assertFalse(second.loop_care_record_ids)

    def test_card_must_fit_the_booking(self):
        card = self.issue(self.package, partner=self.bob, when="2026-06-01")
        with self.assertRefused(ValidationError, "is not a session package of Alice"):
            self.book(loop_card_id=card.id)
        gold = self.issue(self.gold, when="2026-06-01")
        with self.assertRefused(ValidationError, "is not a session package of Alice"):
            self.book(loop_card_id=gold.id)
        other = self.env["product.product"].create(
            {"name": "Manicure", "type": "service"}
        )
        package = self.issue(self.package, when="2026-06-01")
        with self.assertRefused(ValidationError, "holds none of the booked services"):
            self.book(
                loop_card_id=package.id, loop_service_ids=[Command.set(other.ids)]
            )

    # ----------------------------------------------------- reverse appointment
    def test_rebook_from_the_service_interval(self):
        card = self.issue(self.package, when="2026-06-01")
        booking = self._visit(loop_card_id=card.id)
        form = self._wizard(booking)
        self.assertEqual(form.partner_id, self.alice)
        self.assertEqual(form.staff_id, self.anna)
        self.assertEqual(form.service_ids[:], self.service)
        self.assertEqual(form.card_id, card)
        # 21 days after 10 June, at the time of the visit: 1 July 10:00 local
        self.assertEqual((form.interval_days, form.interval_source), (21, "service"))
        self.assertEqual(form.start, utc("2026-07-01 10:00"))
        self.assertFalse(form.conflict)
        # another interval moves the proposal
        form.interval_days = 28
        self.assertEqual(form.start, utc("2026-07-08 10:00"))
        wizard = form.save()
        with self.clock("2026-06-10 11:42"):
            action = wizard.action_book()
        new = self.Event.browse(action["res_id"])
        self.assertRecordValues(
            new,
            [
                {
                    "loop_partner_id": self.alice.id,
                    "loop_staff_id": self.anna.id,
                    "loop_card_id": card.id,
                    "loop_rebooked_from_id": booking.id,
                    "loop_state": "booked",
                    "start": utc("2026-07-08 10:00"),
                    "stop": utc("2026-07-08 11:00"),
                }
            ],
        )
        self.assertEqual(new.loop_service_ids, self.service)
        self.assertTrue(booking.loop_is_rebooked)
        self.assertEqual(booking.action_loop_view_rebooking()["res_id"], new.id)

    def test_rebook_warns_when_the_staff_is_busy(self):
        booking = self._visit()
        with self.clock("2026-06-01 09:00"):
            self.book("2026-07-01 10:30", partner=self.bob)
        form = self._wizard(booking)
        self.assertEqual(
            form.conflict,
            "Already booked from 2026-07-01 10:30 to 11:30 (Bob · Facial Care)",
        )
        wizard = form.save()
        with self.clock("2026-06-10 11:42"):
            with self.assertRefused(ValidationError, "Anna is already booked"):
                wizard.action_book()
        self.assertFalse(booking.loop_rebooking_ids)
        form = self._wizard(booking)
        form.staff_id = self.bella
        self.assertFalse(form.conflict)
        with self.clock("2026-06-10 11:42"):
            form.save().action_book()
        self.assertEqual(booking.loop_rebooking_ids.loop_staff_id, self.bella)

    def test_rebook_only_done_bookings(self):
        with self.clock("2026-06-01 09:00"):
            booking = self.book()
            wizard = self._wizard(booking, "2026-06-01 09:00").save()
            with self.assertRefused(UserError, "is not done"):
                wizard.action_book()

    def test_next_booking_within_a_day_is_the_rebooking(self):
        booking = self._visit()  # done on 10 June at 11:40
        with self.clock("2026-06-11 11:39"):
            # booked in the calendar the next morning: still the reverse appointment
            calendar_booking = self.book("2026-06-20 10:00")
            other_customer = self.book("2026-06-21 10:00", partner=self.bob)
            second = self.book("2026-06-22 10:00")
        self.assertEqual(calendar_booking.loop_rebooked_from_id, booking)
        self.assertFalse(other_customer.loop_rebooked_from_id)
        # a done booking has one rebooking
        self.assertFalse(second.loop_rebooked_from_id)
        self.assertTrue(booking.loop_is_rebooked)

    def test_next_booking_after_a_day_is_not_a_rebooking(self):
        booking = self._visit()
        with self.clock("2026-06-11 11:41"):
            late = self.book("2026-06-20 10:00")
        self.assertFalse(late.loop_rebooked_from_id)
        # even linked by hand, it came too late to count
        late.loop_rebooked_from_id = booking
        self.assertFalse(booking.loop_is_rebooked)
