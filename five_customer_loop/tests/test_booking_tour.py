from datetime import timedelta

import pytz

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestBookingTour(HttpCase):
    def test_book_complete_and_rebook(self):
        self.env.company.partner_id.tz = "Asia/Shanghai"
        self.env.ref("base.user_admin").tz = "Asia/Shanghai"
        self.env["product.product"].create(
            {
                "name": "Tour Facial",
                "type": "service",
                "loop_bookable": True,
                "loop_duration": 1.5,
                "loop_rebook_interval_days": 14,
            }
        )
        tina = self.env["res.partner"].create({"name": "Tour Tina"})
        self.start_tour(
            "/odoo/action-five_customer_loop.calendar_event_action_loop_booking",
            "five_customer_loop_booking_flow",
            login="admin",
        )
        first, following = self.env["calendar.event"].search(
            [("loop_partner_id", "=", tina.id)], order="start"
        )
        self.assertEqual(first.loop_state, "done")
        self.assertEqual(first.loop_staff_id.login, "admin")
        self.assertEqual(first.duration, 1.5)
        self.assertEqual(first.loop_care_record_ids.state, "done")
        self.assertEqual(following.loop_state, "booked")
        self.assertEqual(following.loop_rebooked_from_id, first)
        self.assertTrue(first.loop_is_rebooked)
        # 14 days after the day it was done, at the time of the first visit
        shanghai = pytz.timezone("Asia/Shanghai")

        def local(value):
            return pytz.utc.localize(value).astimezone(shanghai)

        self.assertEqual(
            local(following.start).date(),
            local(first.loop_done_date).date() + timedelta(days=14),
        )
        self.assertEqual(local(following.start).time(), local(first.start).time())
