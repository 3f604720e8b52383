from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from .common import LoopCase


@tagged("post_install", "-at_install")
class TestCareReminders(LoopCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        groups = "base.group_user,five_customer_loop.group_loop_user"
        cls.staff = new_test_user(
            cls.env, login="mei", name="Mei", groups=groups, company_id=cls.company.id
        )
        cls.other = new_test_user(
            cls.env, login="lan", name="Lan", groups=groups, company_id=cls.company.id
        )
        cls.Reminder = cls.env["loop.care.reminder"]
        cls.birthday_type = cls.env.ref(
            "five_customer_loop.mail_activity_type_birthday"
        )
        cls.follow_up_type = cls.env.ref(
            "five_customer_loop.mail_activity_type_follow_up"
        )

    def _open(self, partner, activity_type):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                ("activity_type_id", "=", activity_type.id),
            ]
        )

    def _cron(self, when):
        with freeze_time(when):
            self.Reminder._cron_care_reminders()

    # ---------------------------------------------------------------- birthdays
    def test_solar_birthday(self):
        mia = self.customer(
            "王美", loop_birthday="1990-05-10", loop_user_id=self.staff.id
        )
        nobody = self.customer("No Staff", loop_birthday="1990-05-10")
        # 7 days before (company default): from 3 May; 2 May is too early
        self._cron("2026-05-02 10:00:00")
        self.assertFalse(self._open(mia, self.birthday_type))
        # 2 May 17:00 UTC is already 3 May 01:00 in Shanghai
        self._cron("2026-05-02 17:00:00")
        activity = self._open(mia, self.birthday_type)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.staff)
        self.assertEqual(activity.date_deadline, date(2026, 5, 10))
        self.assertIn("2026-05-10", activity.summary)
        # no responsible staff, no reminder
        self.assertFalse(self._open(nobody, self.birthday_type))
        # run again, the next days: still one
        self._cron("2026-05-03 10:00:00")
        self._cron("2026-05-04 10:00:00")
        self.assertEqual(len(self._open(mia, self.birthday_type)), 1)
        # done on 5 May: the same birthday is not reminded again
        with freeze_time("2026-05-05 10:00:00"):
            activity.action_feedback(feedback="Flowers sent")
        self._cron("2026-05-06 10:00:00")
        self.assertFalse(self._open(mia, self.birthday_type))
        log = self.Reminder.search([("partner_id", "=", mia.id)])
        self.assertEqual(log.mapped("occasion"), [date(2026, 5, 10)])
        # next year's birthday is
        self._cron("2027-05-03 10:00:00")
        self.assertEqual(
            self._open(mia, self.birthday_type).date_deadline, date(2027, 5, 10)
        )

    def test_lunar_birthday_needs_month_and_day(self):
        with self.assertRaises(ValidationError):
            self.customer("Pia", loop_lunar_month="8")
        with self.assertRaises(ValidationError):
            self.customer("Pia", loop_lunar_day="15")
        pia = self.customer("Pia", loop_lunar_month="8", loop_lunar_day="15")
        self.assertEqual((pia.loop_lunar_month, pia.loop_lunar_day), ("8", "15"))

    def test_lunar_birthday(self):
        # lunar New Year's Day (正月初一) is 6 February 2027; the solar
        # birthday (1 March) is ignored once a lunar one is set
        olga = self.customer(
            "Olga",
            loop_birthday="1990-03-01",
            loop_lunar_month="1",
            loop_lunar_day="1",
            loop_user_id=self.staff.id,
        )
        self._cron("2027-01-29 10:00:00")  # 8 days before
        self.assertFalse(self._open(olga, self.birthday_type))
        self._cron("2027-01-30 10:00:00")  # 7 days before
        activity = self._open(olga, self.birthday_type)
        self.assertEqual(activity.date_deadline, date(2027, 2, 6))
        self.assertIn("lunar Month 1, Day 1", activity.summary)
        with freeze_time("2027-02-06 10:00:00"):
            activity.action_feedback()
        # 1 March, the solar birthday, brings nothing
        self._cron("2027-02-25 10:00:00")
        self._cron("2027-03-01 10:00:00")
        self.assertFalse(self._open(olga, self.birthday_type))
        self.assertEqual(len(self.Reminder.search([("partner_id", "=", olga.id)])), 1)

    def test_birthday_days_setting(self):
        self.company.loop_birthday_days = 0
        pia = self.customer(
            "Pia", loop_birthday="1988-07-20", loop_user_id=self.staff.id
        )
        self._cron("2026-07-19 10:00:00")
        self.assertFalse(self._open(pia, self.birthday_type))
        self._cron("2026-07-20 10:00:00")
        self.assertTrue(self._open(pia, self.birthday_type))
        with self.assertRaises(ValidationError):
            self.company.loop_birthday_days = 90
        with self.assertRaises(ValidationError):
            self.company.loop_follow_up_days = -1

    # --------------------------------------------------------------- follow-ups
    def test_follow_up(self):
        rui = self.customer("Rui", loop_user_id=self.staff.id)
        sun = self.customer("Sun")
        Reminder = self.Reminder
        # services on plain data: (customer, date, staff who delivered it)
        Reminder._schedule_follow_ups([(rui.id, date(2026, 5, 4), self.other.id)])
        activity = self._open(rui, self.follow_up_type)
        # the responsible staff calls, 3 days after (company default)
        self.assertEqual(activity.user_id, self.staff)
        self.assertEqual(activity.date_deadline, date(2026, 5, 7))
        # the same service again, another one while the call is open: nothing new
        Reminder._schedule_follow_ups([(rui.id, date(2026, 5, 4), self.other.id)])
        Reminder._schedule_follow_ups([(rui.id, "2026-05-05", self.other.id)])
        self.assertEqual(len(self._open(rui, self.follow_up_type)), 1)
        # no responsible staff: the one who delivered the service; a care
        # record's UTC datetime of 4 May 20:00 is 5 May in Shanghai
        self.company.loop_follow_up_days = 5
        Reminder._schedule_follow_ups(
            [
                (sun.id, datetime(2026, 5, 4, 20, 0), self.other.id),
                (sun.id, date(2026, 5, 5), False),
            ]
        )
        activity_sun = self._open(sun, self.follow_up_type)
        self.assertEqual(len(activity_sun), 1)
        self.assertEqual(activity_sun.user_id, self.other)
        self.assertEqual(activity_sun.date_deadline, date(2026, 5, 10))
        # once the call is done, the next service gets its own follow-up
        activity.action_feedback()
        Reminder._schedule_follow_ups([(rui.id, date(2026, 5, 20), False)])
        self.assertEqual(
            self._open(rui, self.follow_up_type).date_deadline, date(2026, 5, 25)
        )
        self.assertEqual(
            Reminder.search([("partner_id", "=", rui.id)]).mapped("occasion"),
            [date(2026, 5, 20), date(2026, 5, 4)],
        )

    def test_follow_up_without_anybody(self):
        tao = self.customer("Tao")
        self.Reminder._schedule_follow_ups([(tao.id, date(2026, 5, 4), False)])
        self.assertFalse(self._open(tao, self.follow_up_type))
        self.assertFalse(self.Reminder.search([("partner_id", "=", tao.id)]))

    # ----------------------------------------------------------------- templates
    def test_templates(self):
        win_back = self.env.ref("five_customer_loop.mail_activity_type_win_back")
        template = self.env.ref("five_customer_loop.mail_template_win_back")
        self.assertIn(template, win_back.mail_template_ids)
        self.assertIn(
            self.env.ref("five_customer_loop.mail_template_birthday"),
            self.birthday_type.mail_template_ids,
        )
        self.assertIn(
            self.env.ref("five_customer_loop.mail_template_follow_up"),
            self.follow_up_type.mail_template_ids,
        )
        wang = self.customer("王丽", email="wangli@example.com")
        for xmlid in ("birthday", "follow_up", "win_back"):
            template = self.env.ref(f"five_customer_loop.mail_template_{xmlid}")
            body = template._render_field("body_html", wang.ids)[wang.id]
            self.assertIn("王丽", body)
            self.assertIn(self.company.name, body)

    def test_win_back_activity_has_template(self):
        # one visit 100 days ago: at risk (more than 60 days), a win-back call
        vera = self.customer("Vera", loop_user_id=self.staff.id)
        self.loop_order(vera, 300.0, "2026-03-01 10:00:00")
        with freeze_time("2026-06-09 10:00:00"):
            self.env["loop.engine"].run_all()
        win_back = self.env.ref("five_customer_loop.mail_activity_type_win_back")
        activity = self._open(vera, win_back)
        self.assertEqual(activity.user_id, self.staff)
        self.assertEqual(
            activity.activity_type_id.mail_template_ids,
            self.env.ref("five_customer_loop.mail_template_win_back"),
        )
        # the staff member follows the customer with Odoo's default subtypes,
        # as mail.activity would subscribe her (added set-based by the loop)
        follower = vera.message_follower_ids.filtered(
            lambda f: f.partner_id == self.staff.partner_id
        )
        default, _internal, _external = self.env[
            "mail.message.subtype"
        ].default_subtypes("res.partner")
        self.assertEqual(follower.subtype_ids, default)

    def test_loop_activities_keep_existing_followers(self):
        """A staff member who already follows the customer keeps her subtypes."""
        vera = self.customer("Vera", loop_user_id=self.staff.id)
        note = self.env.ref("mail.mt_note")
        vera.message_subscribe(self.staff.partner_id.ids, subtype_ids=note.ids)
        self.env["mail.activity"]._loop_schedule(
            "five_customer_loop.mail_activity_type_win_back",
            [{"res_id": vera.id, "user_id": self.staff.id, "summary": "Call"}],
        )
        followers = vera.message_follower_ids.filtered(
            lambda f: f.partner_id == self.staff.partner_id
        )
        self.assertEqual(len(followers), 1)
        self.assertEqual(followers.subtype_ids, note)
