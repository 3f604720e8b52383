"""The booking page in a browser: a visitor books in Chinese; a second one
finds the slot gone."""

from freezegun import freeze_time
from werkzeug.urls import url_encode

from odoo import Command
from odoo.tests import HttpCase, tagged

# Monday 7 December 2026, 09:20 in Shanghai
NOW = "2026-12-07 01:20:00"


@tagged("post_install", "-at_install")
class TestBookingTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        company.partner_id.tz = "Asia/Shanghai"
        company.loop_online_booking = True
        hours = cls.env["loop.online.booking"]._create_hours(
            "Salon hours", "Asia/Shanghai", range(5), ((9, 18, "morning"),)
        )
        cls.mei = cls.env["res.users"].create(
            {
                "name": "Mei",
                "login": "tour_mei",
                "tz": "Asia/Shanghai",
                "groups_id": [
                    Command.set(cls.env.ref("five_customer_loop.group_loop_user").ids)
                ],
                "loop_book_online": True,
            }
        )
        cls.mei.loop_calendar_id = hours
        cls.facial = cls.env["product.product"].create(
            {
                "name": "Tour Facial",
                "type": "service",
                "loop_bookable": True,
                "loop_duration": 1.5,
            }
        )
        # the visitor's language: Chinese, with the addons' translations
        lang = cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(
            ["website", "five_customer_loop", "five_customer_loop_website"], ["zh_CN"]
        )
        cls.env["website"].get_current_website().language_ids |= lang

    def test_book_then_find_the_slot_gone(self):
        with freeze_time(NOW, tick=True):
            self.start_tour("/zh_CN/book", "five_customer_loop_online_booking")
        booking = self.env["calendar.event"].search(
            [("loop_booking_channel", "=", "online")]
        )
        self.assertEqual(booking.loop_partner_id.name, "王芳")
        self.assertEqual(booking.loop_partner_id.mobile, "13800138000")
        self.assertEqual(booking.loop_staff_id, self.mei)
        self.assertEqual(str(booking.start), "2026-12-08 05:00:00")  # 13:00 local
        query = url_encode(
            {
                "store": self.env.company.id,
                "services": self.facial.id,
                "staff": self.mei.id,
                "start": "2026-12-08T13:00",
            }
        )
        with freeze_time(NOW, tick=True):
            self.start_tour(
                f"/zh_CN/book/confirm?{query}",
                "five_customer_loop_online_booking_taken",
            )
        self.assertEqual(
            self.env["calendar.event"].search_count(
                [("loop_booking_channel", "=", "online")]
            ),
            1,
        )
        self.assertFalse(
            self.env["res.partner"].search([("name", "=", "李娜")]),
            "a refused booking writes nobody",
        )

    def test_wait_then_take_the_freed_time(self):
        """Mei's Tuesday is full; a visitor joins the waitlist; the desk
        cancels the morning; her link books 09:00."""
        regular = self.env["res.partner"].create({"name": "Regular"})
        morning, afternoon = self.env["calendar.event"].create(
            [
                {
                    "is_loop_booking": True,
                    "loop_partner_id": regular.id,
                    "loop_staff_id": self.mei.id,
                    "loop_service_ids": [Command.set(self.facial.ids)],
                    "start": start,
                    "duration": 4.5,
                    "loop_company_id": self.env.company.id,
                }
                for start in ("2026-12-08 01:00:00", "2026-12-08 05:30:00")
            ]
        )
        query = url_encode(
            {
                "store": self.env.company.id,
                "services": self.facial.id,
                "staff": self.mei.id,
                "day": "2026-12-08",
            }
        )
        with freeze_time(NOW, tick=True):
            self.start_tour(f"/zh_CN/book?{query}", "five_customer_loop_waitlist_join")
        entry = self.env["loop.booking.waitlist"].search([])
        self.assertEqual(entry.partner_id.name, "王芳")
        self.assertEqual(entry.state, "waiting")
        with freeze_time(NOW):
            morning.action_loop_cancel()
        self.assertEqual(entry.state, "offered")
        self.assertEqual(str(entry.offer_start), "2026-12-08 01:00:00")
        token = entry.sudo().offer_token
        with freeze_time(NOW, tick=True):
            self.start_tour(
                f"/zh_CN/book/waitlist/{token}", "five_customer_loop_waitlist_take"
            )
        self.assertEqual(entry.state, "booked")
        self.assertEqual(entry.booking_id.loop_partner_id, entry.partner_id)
        self.assertEqual(str(entry.booking_id.start), "2026-12-08 01:00:00")
        self.assertEqual(afternoon.loop_state, "booked")
