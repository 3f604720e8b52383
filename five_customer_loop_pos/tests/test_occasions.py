"""The loop's occasions (win-back, birthdays, follow-ups) raise their calls
through the running campaigns of their kind: one mechanism, measured."""

from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.five_customer_loop.lib import campaign_stats as stats

from .common import LoopCase


@tagged("post_install", "-at_install")
class TestOccasions(LoopCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.staff = cls.company_user("mei", name="Mei", tz="Asia/Shanghai")
        cls.other = cls.company_user("lan", name="Lan", tz="Asia/Shanghai")
        cls.Occasion = cls.env["loop.occasion"]
        cls.birthday_type = cls.env.ref(
            "five_customer_loop.mail_activity_type_birthday"
        )
        cls.follow_up_type = cls.env.ref(
            "five_customer_loop.mail_activity_type_follow_up"
        )
        cls.win_back_type = cls.env.ref(
            "five_customer_loop.mail_activity_type_win_back"
        )

    def member(self, name, **vals):
        """A customer in the test store's loop (one paid visit long ago)."""
        partner = self.customer(name, **vals)
        self.loop_order(partner, 100.0, "2025-06-01 10:00:00")
        return partner

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
            self.Occasion._cron_birthdays()

    def _care(self, partner, when, user, state="done"):
        with freeze_time(when):
            return (
                self.env["loop.care.record"]
                .with_user(user)
                .create(
                    {
                        "partner_id": partner.id,
                        "product_id": self.service.id,
                        "date": when,
                        "state": state,
                    }
                )
            )

    # ---------------------------------------------------------- one mechanism
    def test_no_running_campaign_no_call(self):
        """Without a running campaign of the kind, an occasion raises nothing;
        a stopped campaign neither."""
        mia = self.customer(
            "Mia", loop_birthday="1990-05-10", loop_user_id=self.staff.id
        )
        self.loop_order(mia, 100.0, "2026-03-01 10:00:00")
        self._cron("2026-05-03 10:00:00")
        self._care(mia, "2026-05-04 02:00:00", self.other)
        # one visit 100 days before: at risk (more than 60 days)
        with freeze_time("2026-06-09 10:00:00"):
            self.env["loop.engine"].run_all()
        self.assertEqual(self.figures(mia).loop_health, "at_risk")
        self.assertFalse(
            self.env["mail.activity"].search(
                [("res_model", "=", "res.partner"), ("res_id", "=", mia.id)]
            )
        )
        campaign = self.start_occasions("birthday")
        campaign.action_stop()
        self._cron("2026-05-04 10:00:00")
        self.assertFalse(self._open(mia, self.birthday_type))
        self.assertFalse(campaign.member_ids)

    def test_occasion_campaign_draws_its_holdout(self):
        """Twelve customers become at risk the same night: the win-back
        campaign enrols each for that occasion, the draw (seed 11, half held
        out) decides who gets the call; none is enrolled twice."""
        campaign = self.start_occasions(
            "win_back", holdout_percent=50.0, seed=11, window_days=30
        )
        customers = self.env["res.partner"].create(
            [{"name": f"Risk {n}", "loop_user_id": self.staff.id} for n in range(12)]
        )
        for partner in customers:
            self.loop_order(partner, 200.0, "2026-03-01 10:00:00")
        with freeze_time("2026-05-01 10:00:00"):
            self.env["loop.engine"].run_all()  # 61 days: at risk
        members = campaign.member_ids
        self.assertEqual(members.partner_id, customers)
        self.assertEqual(set(members.mapped("occasion")), {date(2026, 5, 1)})
        self.assertEqual(set(members.mapped("enrol_date")), {date(2026, 5, 1)})
        held = {p.id for p in customers if stats.holdout_draw(11, p.id) < 0.5}
        self.assertEqual(set(members.filtered("holdout").partner_id.ids), held)
        self.assertTrue(0 < len(held) < 12)
        called = customers.filtered(lambda p: p.id not in held)
        activities = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", customers.ids),
                ("activity_type_id", "=", self.win_back_type.id),
            ]
        )
        self.assertEqual(sorted(activities.mapped("res_id")), sorted(called.ids))
        self.assertEqual(
            set(activities.mapped("summary")), {"Win back: no visit for a long time"}
        )
        # the next night they are still at risk: no new occasion
        with freeze_time("2026-05-02 10:00:00"):
            self.env["loop.engine"].run_all()
        self.assertEqual(len(campaign.member_ids), 12)
        with self.assertRaises(UserError):
            campaign.action_enrol()

    def test_event_mode_only_for_occasion_kinds(self):
        with self.assertRaises(ValidationError):
            self.env["loop.campaign"].create(
                {"name": "Cards", "kind": "expiry", "mode": "event"}
            )

    # ---------------------------------------------------------------- birthdays
    def test_solar_birthday(self):
        campaign = self.start_occasions("birthday")
        mia = self.member(
            "王美", loop_birthday="1990-05-10", loop_user_id=self.staff.id
        )
        nobody = self.member("No Staff", loop_birthday="1990-05-10")
        outsider = self.customer("Not in the loop", loop_birthday="1990-05-10")
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
        # no responsible staff: the campaign's responsible wishes her
        self.assertEqual(self._open(nobody, self.birthday_type).user_id, self.env.user)
        # not a customer of the store (no figures there): no wish from it
        self.assertFalse(self._open(outsider, self.birthday_type))
        # run again, the next days: still one
        self._cron("2026-05-03 10:00:00")
        self._cron("2026-05-04 10:00:00")
        self.assertEqual(len(self._open(mia, self.birthday_type)), 1)
        # done on 5 May (on time): the same birthday is not wished again
        with freeze_time("2026-05-05 10:00:00"):
            activity.action_feedback(feedback="Flowers sent")
        self._cron("2026-05-06 10:00:00")
        self.assertFalse(self._open(mia, self.birthday_type))
        member = campaign.member_ids.filtered(lambda m: m.partner_id == mia)
        self.assertEqual(member.occasion, date(2026, 5, 10))
        self.assertEqual(member.enrol_date, date(2026, 5, 3))
        self.assertEqual(member.activity_done_date, date(2026, 5, 5))
        self.assertTrue(member.activity_on_time)
        # next year's birthday is
        self._cron("2027-05-03 10:00:00")
        self.assertEqual(
            self._open(mia, self.birthday_type).date_deadline, date(2027, 5, 10)
        )
        self.assertEqual(
            campaign.member_ids.filtered(lambda m: m.partner_id == mia).mapped(
                "occasion"
            ),
            [date(2027, 5, 10), date(2026, 5, 10)],
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
        campaign = self.start_occasions("birthday")
        olga = self.member(
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
        self.assertEqual(len(campaign.member_ids), 1)

    def test_birthday_days_setting(self):
        self.start_occasions("birthday")
        self.company.loop_birthday_days = 0
        pia = self.member("Pia", loop_birthday="1988-07-20", loop_user_id=self.staff.id)
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
        campaign = self.start_occasions("follow_up")
        rui = self.member("Rui", loop_user_id=self.staff.id)
        sun = self.member("Sun")
        # a service on 4 May: the responsible staff calls, 3 days after
        self._care(rui, "2026-05-04 02:00:00", self.other)
        activity = self._open(rui, self.follow_up_type)
        self.assertEqual(activity.user_id, self.staff)
        self.assertEqual(activity.date_deadline, date(2026, 5, 7))
        self.assertIn("2026-05-04", activity.summary)
        # another service in the campaign's window (30 days): nothing new
        self._care(rui, "2026-05-05 02:00:00", self.other)
        self.assertEqual(len(self._open(rui, self.follow_up_type)), 1)
        # no responsible staff: the one who delivered the service; 4 May
        # 20:00 UTC is 5 May in Shanghai, due 5 days after with that setting
        self.company.loop_follow_up_days = 5
        self._care(sun, "2026-05-04 20:00:00", self.other)
        activity_sun = self._open(sun, self.follow_up_type)
        self.assertEqual(activity_sun.user_id, self.other)
        self.assertEqual(activity_sun.date_deadline, date(2026, 5, 10))
        # after the window, the next service gets its own follow-up
        activity.action_feedback()
        self._care(rui, "2026-06-10 02:00:00", self.other)
        self.assertEqual(
            self._open(rui, self.follow_up_type).date_deadline, date(2026, 6, 15)
        )
        self.assertEqual(
            campaign.member_ids.filtered(lambda m: m.partner_id == rui).mapped(
                "occasion"
            ),
            [date(2026, 6, 10), date(2026, 5, 4)],
        )

    def test_cancelled_service_drops_its_follow_up(self):
        campaign = self.start_occasions("follow_up")
        rui = self.member("Rui", loop_user_id=self.staff.id)
        first = self._care(rui, "2026-05-04 02:00:00", self.other)
        second = self._care(rui, "2026-05-04 06:00:00", self.other)
        # two services that day: one cancelled, the day still had a service
        second.action_cancel()
        self.assertEqual(len(self._open(rui, self.follow_up_type)), 1)
        self.assertEqual(len(campaign.member_ids), 1)
        # the other one too: no service that day, no follow-up
        first.action_cancel()
        self.assertFalse(self._open(rui, self.follow_up_type))
        self.assertFalse(campaign.member_ids)

    # ----------------------------------------------------------------- templates
    def test_templates(self):
        template = self.env.ref("five_customer_loop.mail_template_win_back")
        self.assertIn(template, self.win_back_type.mail_template_ids)
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
        self.start_occasions("win_back")
        vera = self.customer("Vera", loop_user_id=self.staff.id)
        self.loop_order(vera, 300.0, "2026-03-01 10:00:00")
        with freeze_time("2026-06-09 10:00:00"):
            self.env["loop.engine"].run_all()
        activity = self._open(vera, self.win_back_type)
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
