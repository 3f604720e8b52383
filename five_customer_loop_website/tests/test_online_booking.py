"""Online booking: free slots on a hand-built week, and every refusal."""

from datetime import datetime, timedelta

import pytz
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.five_customer_loop.tests.common import LoopBaseCase

from ..lib import slots as slot_rules

SHANGHAI = pytz.timezone("Asia/Shanghai")
# Monday 7 December 2026, 09:20 in Shanghai
NOW = "2026-12-07 01:20:00"


def local(*args):
    return SHANGHAI.localize(datetime(*args))


def hours(starts):
    return [start.strftime("%a %H:%M") for start in starts]


class OnlineCase(LoopBaseCase):
    """A week of Mei and Lan in a Shanghai store (Mei off on Wednesday, booked
    on Tuesday 10:30-11:30), a 90-minute facial, a 2-hour lead time."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "loop_online_booking": True,
                "loop_online_lead_hours": 2.0,
                "loop_online_slot_minutes": 30,
                "loop_online_max_open": 2,
            }
        )
        # Monday to Friday 09:00-12:00 and 13:00-18:00 (lunch from 12 to 13)
        cls.hours = cls.env["loop.online.booking"]._create_hours(
            "Salon hours",
            "Asia/Shanghai",
            range(5),
            ((9, 12, "morning"), (13, 18, "afternoon")),
            company=cls.company,
        )
        cls.mei = cls.company_user("mei", name="Mei", tz="Asia/Shanghai")
        cls.lan = cls.company_user("lan", name="Lan", tz="Asia/Shanghai")
        (cls.mei | cls.lan).write(
            {"loop_book_online": True, "loop_calendar_id": cls.hours.id}
        )
        # Mei is off on Wednesday 9 December
        cls.env["resource.calendar.leaves"].create(
            {
                "name": "Day off",
                "calendar_id": cls.hours.id,
                "resource_id": cls.mei.resource_ids.id,
                "date_from": "2026-12-08 16:00:00",
                "date_to": "2026-12-09 16:00:00",
            }
        )
        cls.service.loop_duration = 1.5  # a 90-minute facial
        cls.Online = cls.env["loop.online.booking"]
        # Mei is booked on Tuesday from 10:30 to 11:30 at the front desk
        cls.regular = cls.env["res.partner"].create(
            {"name": "Regular", "mobile": "+86 139 0000 1111"}
        )
        cls.desk("2026-12-08 02:30:00", 1.0)

    @classmethod
    def desk(cls, start, hours):
        """A booking of the regular with Mei, made at the front desk."""
        return cls.env["calendar.event"].create(
            {
                "is_loop_booking": True,
                "loop_partner_id": cls.regular.id,
                "loop_staff_id": cls.mei.id,
                "loop_service_ids": [Command.set(cls.service.ids)],
                "start": start,
                "duration": hours,
                "loop_company_id": cls.company.id,
            }
        )

    def slots(self, staff, day, days=1):
        with freeze_time(NOW):
            return self.Online._slots(
                self.company, self.service, staff, day.date(), days=days
            )

    def book(self, start, name="王芳", mobile="138 0013 8000", staff=None, **kw):
        with freeze_time(NOW):
            return self.Online.with_user(self.env.ref("base.public_user"))._book(
                kw.get("company", self.company),
                kw.get("services", self.service),
                staff if staff is not None else self.mei,
                start,
                name,
                mobile,
            )


@tagged("post_install", "-at_install")
class TestOnlineBooking(OnlineCase):
    # -------------------------------------------------------------- the slots
    def test_week_of_mei(self):
        week = self.slots(self.mei, local(2026, 12, 7), days=7)[self.mei]
        afternoon = (
            [f"13:{m:02d}" for m in (0, 30)]
            + [f"{h}:{m:02d}" for h in (14, 15) for m in (0, 30)]
            + ["16:00", "16:30"]
        )
        expected = (
            # Monday: from 11:20 (09:20 + 2 h lead time), on the grid 11:30; a
            # 90-minute service no longer fits the morning
            [f"Mon {t}" for t in afternoon]
            # Tuesday: 09:00 ends when her booking starts (10:30); then the
            # morning is too short after it
            + ["Tue 09:00"]
            + [f"Tue {t}" for t in afternoon]
            # Wednesday off; Thursday and Friday whole days; no weekend
            + ["Thu 09:00", "Thu 09:30", "Thu 10:00", "Thu 10:30"]
            + [f"Thu {t}" for t in afternoon]
            + ["Fri 09:00", "Fri 09:30", "Fri 10:00", "Fri 10:30"]
            + [f"Fri {t}" for t in afternoon]
        )
        self.assertEqual(hours(week), expected)
        self.assertEqual(week[0], local(2026, 12, 7, 13, 0))

    def test_lan_is_not_off_and_not_booked(self):
        free = self.slots(self.mei | self.lan, local(2026, 12, 9))
        self.assertEqual(free[self.mei], [])
        self.assertEqual(
            hours(free[self.lan])[:5],
            ["Wed 09:00", "Wed 09:30", "Wed 10:00", "Wed 10:30", "Wed 13:00"],
        )

    def test_slot_step(self):
        self.company.loop_online_slot_minutes = 45
        free = self.slots(self.mei, local(2026, 12, 10))[self.mei]
        # the grid from midnight: 09:00, 09:45, 10:30 (ends at 12:00 sharp);
        # the afternoon from 13:30 (18 x 45 min), the last at 16:30
        self.assertEqual(
            hours(free),
            [
                "Thu 09:00",
                "Thu 09:45",
                "Thu 10:30",
                "Thu 13:30",
                "Thu 14:15",
                "Thu 15:00",
                "Thu 15:45",
                "Thu 16:30",
            ],
        )

    def test_pure_rules(self):
        step = timedelta(minutes=30)
        with self.assertRaises(ValueError):
            slot_rules.free_starts([], [], timedelta(0), step, local(2026, 12, 7))
        self.assertEqual(
            slot_rules.grid_ceil(local(2026, 12, 7, 9, 1), step),
            local(2026, 12, 7, 9, 30),
        )
        self.assertEqual(
            slot_rules.grid_ceil(local(2026, 12, 7, 9, 30), step),
            local(2026, 12, 7, 9, 30),
        )

    # ------------------------------------------------------------- the booking
    def test_books_like_the_front_desk(self):
        booking = self.book(local(2026, 12, 7, 13, 0))
        self.assertTrue(booking.is_loop_booking)
        self.assertEqual(booking.loop_booking_channel, "online")
        self.assertEqual(booking.loop_state, "booked")
        self.assertEqual(booking.loop_staff_id, self.mei)
        self.assertEqual(booking.start, datetime(2026, 12, 7, 5, 0))
        self.assertEqual(booking.stop, datetime(2026, 12, 7, 6, 30))
        self.assertEqual(booking.loop_company_id, self.company)
        # a new person: a prospect who came through online booking
        person = booking.loop_partner_id
        self.assertEqual(person.name, "王芳")
        self.assertEqual(person.mobile, "13800138000")
        self.assertEqual(
            person.loop_channel_id,
            self.env.ref("five_customer_loop_website.channel_online_booking"),
        )
        self.assertTrue(
            self.figures(person)
            .loop_customer_ids.filtered(lambda c: c.company_id == self.company)
            .prospect
        )
        # the same mobile number written otherwise is the same person; anyone
        # free at 13:00 is Lan now
        again = self.book(
            local(2026, 12, 7, 13, 0),
            name="Fang",
            mobile="+86 13800138000",
            staff=self.env["res.users"],
        )
        self.assertEqual(again.loop_partner_id, person)
        self.assertEqual(again.loop_staff_id, self.lan)
        # the regular's number finds the regular
        third = self.book(local(2026, 12, 8, 13, 0), mobile="13900001111")
        self.assertEqual(third.loop_partner_id, self.regular)

    def test_refusals_write_nothing(self):
        Event = self.env["calendar.event"]
        before = Event.search_count([]), self.env["res.partner"].search_count([])
        refusals = {
            "past": {"start": local(2026, 12, 4, 13, 0)},
            "within the lead time": {"start": local(2026, 12, 7, 11, 0)},
            "off the grid": {"start": local(2026, 12, 7, 13, 10)},
            "on her day off": {"start": local(2026, 12, 9, 13, 0)},
            "taken": {"start": local(2026, 12, 8, 10, 30)},
            "no name": {"name": "  "},
            "overlong name": {"name": "x" * 65},
            "not a number": {"mobile": "call me"},
            "overlong number": {"mobile": "1" * 21},
            "too short a number": {"mobile": "12345"},
            "no service": {"services": self.env["product.product"]},
            "a staff member not online": {"staff": self.env.ref("base.user_admin")},
        }
        for label, change in refusals.items():
            with self.subTest(label), self.assertRaises(UserError):
                self.book(**{"start": local(2026, 12, 7, 13, 0), **change})
        self.company.loop_online_booking = False
        with self.assertRaises(UserError):
            self.book(local(2026, 12, 7, 13, 0))
        self.assertEqual(
            (Event.search_count([]), self.env["res.partner"].search_count([])), before
        )

    def test_too_many_open_bookings(self):
        self.book(local(2026, 12, 7, 13, 0))
        self.book(local(2026, 12, 7, 15, 0))
        with self.assertRaisesRegex(UserError, "already holds 2 bookings"):
            self.book(local(2026, 12, 10, 9, 0))

    def test_a_slot_taken_meanwhile(self):
        """The slot was free when offered; the desk booked Mei meanwhile: the
        staff member's check (under her row lock) refuses, nothing is written."""
        start = local(2026, 12, 7, 14, 0)
        Online = self.Online.with_user(self.env.ref("base.public_user"))
        with freeze_time(NOW):
            offered = Online._slots(self.company, self.service, self.mei, start.date())
        self.assertIn(start, offered[self.mei])
        self.env["calendar.event"].create(
            {
                "is_loop_booking": True,
                "loop_partner_id": self.regular.id,
                "loop_staff_id": self.mei.id,
                "loop_service_ids": [Command.set(self.service.ids)],
                "start": "2026-12-07 06:00:00",
                "loop_company_id": self.company.id,
            }
        )
        count = self.env["calendar.event"].search_count([])
        with self.assertRaisesRegex(UserError, "no longer free"):
            self.book(start)
        self.assertEqual(self.env["calendar.event"].search_count([]), count)

    def test_settings_checked(self):
        for field, value in (
            ("loop_online_lead_hours", -1),
            ("loop_online_slot_minutes", 0),
            ("loop_online_days", 0),
            ("loop_online_max_open", 0),
        ):
            with self.subTest(field), self.assertRaises(ValidationError):
                self.company[field] = value


@tagged("post_install", "-at_install")
class TestWaitlist(OnlineCase):
    """Mei's Tuesday is full (the regular at 10:30, the desk's bookings at
    09:00 and 13:00-18:00): people wait; the afternoon is cancelled."""

    def setUp(self):
        super().setUp()
        self.afternoon = self.desk("2026-12-08 05:00:00", 5.0)  # 13:00-18:00
        self.desk("2026-12-08 01:00:00", 1.5)  # 09:00-10:30
        self.Waitlist = self.env["loop.booking.waitlist"]
        self.public = self.Online.with_user(self.env.ref("base.public_user"))

    def join(self, name, mobile, day="2026-12-08"):
        with freeze_time(NOW):
            return self.public._join_waitlist(
                self.company,
                self.service,
                self.mei,
                datetime.strptime(day, "%Y-%m-%d").date(),
                name,
                mobile,
            )

    def test_offer_hold_take(self):
        self.assertEqual(self.slots(self.mei, local(2026, 12, 8))[self.mei], [])
        fang = self.join("王芳", "13800138000")
        li = self.join("李娜", "13900139000")
        self.assertEqual((fang.state, li.state), ("waiting", "waiting"))
        # a day with free times is booked, not waited for
        with self.assertRaisesRegex(UserError, "still has free times"):
            self.join("Zoe", "13700137000", day="2026-12-10")
        # the desk cancels the afternoon: offered to the first one waiting
        with freeze_time(NOW):
            self.afternoon.action_loop_cancel()
        self.assertEqual(fang.state, "offered")
        self.assertEqual(li.state, "waiting")
        self.assertEqual(str(fang.offer_start), "2026-12-08 05:00:00")
        self.assertEqual(fang.offer_staff_id, self.mei)
        self.assertEqual(str(fang.offer_expires), "2026-12-07 02:20:00")  # +60 min
        self.assertIn("/book/waitlist/", fang.sudo().message_ids[0].body)
        # held for her: 13:00 to 14:30 is offered to nobody else
        free = hours(self.slots(self.mei, local(2026, 12, 8))[self.mei])
        self.assertNotIn("Tue 13:00", free)
        self.assertNotIn("Tue 14:00", free)
        self.assertIn("Tue 14:30", free)
        with self.assertRaises(UserError):
            self.book(local(2026, 12, 8, 13, 0), mobile="13600136000")
        # she takes it through her link
        entry = self.Waitlist.with_user(self.env.ref("base.public_user"))._by_token(
            fang.sudo().offer_token
        )
        with freeze_time("2026-12-07 02:10:00"):
            booking = entry._take()
        self.assertEqual(booking.loop_partner_id, fang.partner_id)
        self.assertEqual(str(booking.start), "2026-12-08 05:00:00")
        self.assertEqual(booking.loop_staff_id, self.mei)
        self.assertEqual(fang.state, "booked")

    def test_offer_not_taken_passes_on(self):
        fang = self.join("王芳", "13800138000")
        li = self.join("李娜", "13900139000")
        with freeze_time(NOW):
            self.afternoon.action_loop_cancel()
        self.assertEqual(fang.state, "offered")
        # an hour later the hold is over: Li is offered the same time
        with freeze_time("2026-12-07 02:21:00"):
            self.Waitlist._cron_expire()
            self.assertEqual(fang.state, "expired")
            self.assertEqual(li.state, "offered")
            with self.assertRaisesRegex(UserError, "offer is over"):
                fang._take()
        self.assertEqual(str(li.offer_start), "2026-12-08 05:00:00")

    def test_waitlist_refusals(self):
        for label, (name, mobile) in {
            "no name": ("", "13800138000"),
            "bad number": ("Fang", "call me"),
        }.items():
            with self.subTest(label), self.assertRaises(UserError):
                self.join(name, mobile)
        with self.assertRaisesRegex(UserError, "days the page offers"):
            self.join("Fang", "13800138000", day="2026-12-31")
        self.assertFalse(self.Waitlist.search([]))
