"""Campaigns measured against a holdout group, on hand-built audiences."""

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.five_customer_loop.lib import campaign_stats as stats

from .common import LoopCase


@tagged("post_install", "-at_install")
class TestCampaigns(LoopCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.win_back = cls.env.ref("five_customer_loop.mail_activity_type_win_back")
        cls.staff = cls.company_user("anna", name="Anna")

    def campaign(self, **vals):
        return self.env["loop.campaign"].create(
            {
                "name": "Win back",
                "kind": "win_back",
                "audience_domain": "[('visit_count', '>=', 1)]",
                "holdout_percent": 25.0,
                "window_days": 30,
                "seed": 7,
                "activity_type_id": self.win_back.id,
                "activity_note": "<p>Offer a free eye care</p>",
                **vals,
            }
        )

    def visited_customers(self, count, day="2026-10-01 10:00:00"):
        customers = self.env["res.partner"].create(
            [
                {
                    "name": f"Customer {n}",
                    "email": f"customer{n}@example.com",
                    "loop_user_id": self.staff.id,
                }
                for n in range(count)
            ]
        )
        for partner in customers:
            self.loop_order(partner, 300.0, day)
        return customers

    def activities(self, partners):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", partners.ids),
                ("activity_type_id", "=", self.win_back.id),
            ]
        )

    def test_draw_is_reproducible_and_holdout_gets_nothing(self):
        customers = self.visited_customers(40)
        campaign = self.campaign()
        with freeze_time("2026-11-01 04:00:00"):
            campaign.action_start()
        members = campaign.member_ids
        self.assertEqual(members.partner_id, customers)
        # the stored related columns are written with the rows
        members.invalidate_recordset()
        self.assertEqual(set(members.mapped("kind")), {"win_back"})
        self.assertEqual(members.user_id, self.staff)
        # the draw: the first 32 bits of md5("7:<partner id>") below 25 %
        expected = {p.id for p in customers if stats.holdout_draw(7, p.id) < 0.25}
        held = members.filtered("holdout").partner_id
        self.assertEqual(set(held.ids), expected)
        self.assertTrue(0 < len(held) < 40)
        treated = customers - held
        # the treated get the activity, for their staff member, with the script
        activities = self.activities(customers)
        self.assertEqual(sorted(activities.mapped("res_id")), sorted(treated.ids))
        self.assertEqual(set(activities.mapped("user_id")), {self.staff})
        self.assertIn("free eye care", activities[0].note)
        self.assertEqual(set(activities.mapped("summary")), {"Win back"})
        self.assertEqual(len(members.filtered("activity_id")), len(treated))
        # the staff member calls one customer the next day: done on time
        member = members.filtered(lambda m: m.activity_id)[:1]
        self.assertEqual(member.activity_user_id, self.staff)
        with freeze_time("2026-11-02 04:00:00"):
            member.activity_id.with_user(self.staff).action_done()
        self.assertEqual(str(member.activity_done_date), "2026-11-02")
        self.assertTrue(member.activity_on_time)
        # enrolling again enrols nobody twice
        with freeze_time("2026-11-02 04:00:00"):
            self.assertFalse(campaign._enrol())
        # the same seed draws the same customers in another campaign
        campaign.action_stop()
        again = self.campaign(kind="other", activity_type_id=False)
        with freeze_time("2026-11-03 04:00:00"):
            again.action_start()
        self.assertEqual(again.member_ids.filtered("holdout").partner_id, held)

    def test_one_running_campaign_of_a_kind_at_a_time(self):
        customers = self.visited_customers(3)
        first = self.campaign(
            audience_domain=f"[('partner_id', '=', {customers[0].id})]"
        )
        with freeze_time("2026-11-01 04:00:00"):
            first.action_start()
        second = self.campaign()
        with freeze_time("2026-11-10 04:00:00"):
            second.action_start()
        # the first customer is still in the first campaign's window
        self.assertEqual(second.member_ids.partner_id, customers[1:])
        # after it (1 Nov + 30 days), a continuous campaign takes her
        second.mode = "continuous"
        with freeze_time("2026-12-02 04:00:00"):
            self.env["loop.campaign"]._cron_enrol()
        self.assertEqual(second.member_ids.partner_id, customers)

    def test_outcome_within_the_window(self):
        """Enrolled 1 Nov, window 30 days: the days 2 Nov to 1 Dec count.

        Alice pays 300 on 1 Dec (day 30): counts. Bob pays on 2 Dec (day 31):
        does not. Carol pays on 10 Nov and is refunded: no visit, revenue 0.
        Dana paid on 1 Nov, the enrolment day: does not count. Erin books on
        5 Nov for a visit on 20 Dec: one booking made, no visit.
        """
        names = ("Alice", "Bob", "Carol", "Dana", "Erin")
        alice, bob, carol, dana, erin = customers = self.env["res.partner"].create(
            [{"name": name} for name in names]
        )
        for partner in customers:
            self.loop_order(partner, 200.0, "2026-09-01 10:00:00")
        campaign = self.campaign(holdout_percent=50.0)
        with freeze_time("2026-11-01 02:00:00"):
            campaign.action_start()
        self.loop_order(dana, 100.0, "2026-11-01 15:00:00")
        self.loop_order(alice, 300.0, "2026-12-01 20:00:00")
        self.loop_order(bob, 400.0, "2026-12-02 09:00:00")
        order = self.loop_order(carol, 250.0, "2026-11-10 10:00:00")
        self.loop_order(carol, -250.0, "2026-11-12 10:00:00", refund_of=order)
        with freeze_time("2026-11-05 02:00:00"):
            self.env["calendar.event"].create(
                {
                    "loop_partner_id": erin.id,
                    "loop_service_ids": [Command.set(self.service.ids)],
                    "start": "2026-12-20 02:00:00",
                }
            )
        with freeze_time("2026-12-10 04:00:00"):
            campaign.action_measure()
        outcome = {
            member.partner_id: (member.visited, member.revenue, member.booking_count)
            for member in campaign.member_ids
        }
        self.assertEqual(
            outcome,
            {
                alice: (True, 300.0, 0),
                bob: (False, 0.0, 0),
                carol: (False, 0.0, 0),
                dana: (False, 0.0, 0),
                erin: (False, 0.0, 1),
            },
        )
        self.assertTrue(all(campaign.member_ids.mapped("window_closed")))

    def test_lift_and_interval(self):
        """30 treated (12 paid a visit, 500 each) and 30 held out (6 did).

        Visits: 40 % − 20 % = 20 points; standard error
        √(0.4·0.6/30 + 0.2·0.8/30) = 0.11547, so 20 ± 1.96 × 11.547 =
        [−2.6, 42.6] points. Revenue per customer: 200 − 100 = 100; variances
        (12·500² − 6,000²/30)/29 = 62,068.97 and (6·500² − 3,000²/30)/29 =
        41,379.31, standard error √(2,068.97 + 1,379.31) = 58.72, Welch's
        degrees of freedom 55.8 and t = 2.0036: [−17.65, 217.65].
        """
        campaign = self.campaign()
        partners = self.env["res.partner"].create(
            [{"name": f"P{n}"} for n in range(60)]
        )
        Member = self.env["loop.campaign.member"].sudo()
        Member.create(
            [
                {
                    "campaign_id": campaign.id,
                    "partner_id": partner.id,
                    "company_id": self.company.id,
                    "enrol_date": "2026-10-01",
                    "holdout": n >= 30,
                    "visited": n < 12 or 30 <= n < 36,
                    "revenue": 500.0 if (n < 12 or 30 <= n < 36) else 0.0,
                }
                for n, partner in enumerate(partners)
            ]
        )
        campaign.invalidate_recordset()
        self.assertTrue(campaign.lift_shown)
        self.assertEqual((campaign.treated_count, campaign.holdout_count), (30, 30))
        self.assertAlmostEqual(campaign.treated_visit_rate, 40.0)
        self.assertAlmostEqual(campaign.holdout_visit_rate, 20.0)
        self.assertAlmostEqual(campaign.visit_lift, 20.0)
        self.assertAlmostEqual(campaign.visit_lift_low, -2.6, places=1)
        self.assertAlmostEqual(campaign.visit_lift_high, 42.6, places=1)
        self.assertAlmostEqual(campaign.treated_revenue, 200.0)
        self.assertAlmostEqual(campaign.holdout_revenue, 100.0)
        self.assertAlmostEqual(campaign.revenue_lift, 100.0)
        self.assertAlmostEqual(campaign.revenue_lift_low, -17.65, places=2)
        self.assertAlmostEqual(campaign.revenue_lift_high, 217.65, places=2)
        # one customer fewer in the holdout: no lift shown
        campaign.member_ids.filtered("holdout")[:1].unlink()
        campaign.invalidate_recordset()
        self.assertFalse(campaign.lift_shown)
        self.assertEqual(campaign.visit_lift, 0.0)

    def test_statistics(self):
        # Student's t quantiles of the tables
        self.assertAlmostEqual(stats.t_quantile(0.975, 10), 2.2281, places=4)
        self.assertAlmostEqual(stats.t_quantile(0.975, 30), 2.0423, places=4)
        # values 1, 2, 3 against 0, 1, 2: difference 1, se √(2/3), 4 df
        diff, low, high = stats.mean_lift((3, 6.0, 14.0), (3, 3.0, 5.0))
        self.assertAlmostEqual(diff, 1.0)
        self.assertAlmostEqual(high - diff, 2.7764 * (2 / 3) ** 0.5, places=3)
        self.assertAlmostEqual(low, 2 * diff - high)

    def test_bad_input(self):
        for vals, message in (
            ({"holdout_percent": 0.0}, "without a holdout"),
            ({"holdout_percent": 100.0}, "without a holdout"),
            ({"window_days": 0}, "at least one day"),
            ({"audience_domain": "[('no_such_field', '=', 1)]"}, "not a valid filter"),
            ({"audience_domain": "[('stage_id', '=',"}, "not a valid filter"),
        ):
            with self.assertRaisesRegex(ValidationError, message):
                with self.cr.savepoint():
                    self.campaign(**vals)
        self.assertFalse(self.env["loop.campaign"].search([]))
        campaign = self.campaign()
        campaign.action_start()
        with self.assertRaisesRegex(UserError, "already started"):
            campaign.action_start()

    def test_queries_do_not_grow_with_the_audience(self):
        """Enrolling (with the activities) and measuring cost the same queries
        for 4 customers as for 12 (a first campaign of 6 warms the caches)."""
        counts = []
        for size in (6, 4, 12):
            customers = self.visited_customers(size)
            # few held out: each run creates activities (the path measured)
            campaign = self.campaign(
                kind="other",
                audience_domain=f"[('partner_id', 'in', {customers.ids})]",
                holdout_percent=10.0,
            )
            campaign.state = "running"
            self.env.flush_all()
            self.env.invalidate_all()
            with freeze_time("2026-11-01 04:00:00"):
                start = self.cr.sql_log_count
                campaign._enrol()
                self.env.flush_all()
                enrol = self.cr.sql_log_count - start
                self.env.invalidate_all()
                start = self.cr.sql_log_count
                campaign._measure()
                self.env.flush_all()
                measure = self.cr.sql_log_count - start
            self.assertEqual(len(campaign.member_ids), size)
            counts.append((enrol, measure))
        self.assertEqual(counts[1], counts[2])

    def test_mail_and_offer_only_for_the_treated(self):
        """A mail through the queue and a gift card of 100 (valid 14 days) for
        the treated; one treated customer spends 50 of it on day 5: redeemed."""
        customers = self.visited_customers(12)
        template = self.env["mail.template"].create(
            {
                "name": "We miss you",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "subject": "We miss you, {{ object.name }}",
                "body_html": "<p>Come back for a free eye care.</p>",
            }
        )
        with self.assertRaisesRegex(ValidationError, "has no recipient"):
            with self.cr.savepoint():
                self.campaign(mail_template_id=template.id)
        template.use_default_to = True
        gift = self.env["loop.card.type"].create(
            {
                "name": "Gift 100",
                "kind": "value",
                "price": 0.0,
                "amount": 100.0,
                "company_id": self.company.id,
            }
        )
        campaign = self.campaign(
            holdout_percent=50.0,
            activity_type_id=False,
            mail_template_id=template.id,
            offer_type_id=gift.id,
            offer_validity_days=14,
        )
        with freeze_time("2026-11-01 04:00:00"):
            campaign.action_start()
        treated = campaign.member_ids.filtered(lambda m: not m.holdout)
        held = campaign.member_ids - treated
        self.assertTrue(treated and held)
        mails = self.env["mail.mail"].search(
            [("model", "=", "res.partner"), ("res_id", "in", customers.ids)]
        )
        self.assertEqual(set(mails.mapped("res_id")), set(treated.partner_id.ids))
        self.assertEqual(set(mails.mapped("state")), {"outgoing"})
        cards = self.env["loop.card"].search([("type_id", "=", gift.id)])
        self.assertEqual(cards.partner_id, treated.partner_id)
        self.assertEqual(treated.offer_card_id, cards)
        self.assertFalse(held.offer_card_id)
        self.assertEqual(set(cards.mapped("balance")), {100.0})
        self.assertEqual(
            set(cards.mapped("expiry_date")), {fields.Date.to_date("2026-11-15")}
        )
        with freeze_time("2026-11-06 04:00:00"):
            treated[0].offer_card_id.consume_amount(50.0, {"origin": "R-1"})
            campaign.action_measure()
        self.assertEqual(treated.filtered("redeemed"), treated[0])
        self.assertAlmostEqual(
            campaign.treated_redeemed_rate, 100 / len(treated), places=1
        )

    def test_ready_made_audiences(self):
        """The ready-made campaigns ship archived drafts; their audiences'
        figures: days to the first card expiry, birthday this month."""
        # (installed for the main company; the test company is another one)
        ready = (
            self.env["loop.campaign"]
            .sudo()
            .browse(
                [
                    self.env.ref(f"five_customer_loop.loop_campaign_{name}").id
                    for name in ("win_back", "card_expiry", "birthday", "follow_up")
                ]
            )
        )
        self.assertEqual(len(ready), 4)
        self.assertEqual(set(ready.mapped("state")), {"draft"})
        # the loop's own calls run on its occasions, card expiry on the figure
        self.assertEqual(
            ready.mapped("mode"), ["event", "continuous", "event", "event"]
        )
        self.assertFalse(any(ready.mapped("active")))
        alice, bob, carol = self.env["res.partner"].create(
            [
                {"name": "Alice", "loop_birthday": "1990-11-30"},
                {"name": "Bob", "loop_birthday": "1985-12-01"},
                {"name": "Carol"},
            ]
        )
        for partner in alice | bob | carol:
            self.loop_order(partner, 300.0, "2026-10-01 10:00:00")
        gold = self.env["loop.card.type"].create(
            {
                "name": "Gold",
                "kind": "value",
                "price": 100.0,
                "amount": 100.0,
                "company_id": self.company.id,
            }
        )
        Card = self.env["loop.card"]
        # Alice's card expires in 20 days, Bob's in 40 (today is 23 Nov)
        Card.issue_card(alice, gold, {"origin": "T"}, expiry_date="2026-12-13")
        Card.issue_card(bob, gold, {"origin": "T"}, expiry_date="2027-01-02")
        Customer = self.env["loop.customer"]
        ours = [("partner_id", "in", (alice | bob | carol).ids)]
        expiring = Customer.search([*ours, ("card_expiry_days", "<=", 30)])
        self.assertEqual(expiring.partner_id, alice)
        self.assertEqual(
            sorted(Customer.search(ours).mapped("card_expiry_days")), [0, 20, 40]
        )
        born = Customer.search([*ours, ("birthday_this_month", "=", True)])
        self.assertEqual(born.partner_id, alice)
        self.assertEqual(born.birthday_this_month, True)
        others = Customer.search([*ours, ("birthday_this_month", "=", False)])
        self.assertEqual(others.partner_id, bob | carol)

    def test_monthly_report_page(self):
        """The monthly report lists the campaigns that enrolled in the month."""
        campaign = self.env["loop.campaign"].create(
            {"name": "November calls", "audience_domain": "[]", "seed": 1}
        )
        partners = self.env["res.partner"].create(
            [{"name": f"P{n}"} for n in range(60)]
        )
        self.env["loop.campaign.member"].sudo().create(
            [
                {
                    "campaign_id": campaign.id,
                    "partner_id": partner.id,
                    "company_id": self.company.id,
                    "enrol_date": "2026-10-05",
                    "holdout": n >= 30,
                    "visited": n < 12 or 30 <= n < 36,
                }
                for n, partner in enumerate(partners)
            ]
        )
        report = self.env.ref("five_customer_loop.loop_monthly_report_action")

        def page(month):
            wizard = self.env["loop.monthly.report.wizard"].create({"month": month})
            return report._render_qweb_html(report.id, wizard.ids)[0].decode()

        html = page("2026-10-01")
        self.assertIn("November calls", html)
        # 40 % against 20 %: 20.0 points, [-2.6, 42.6] (test_lift_and_interval)
        self.assertIn("20.0 [-2.6, 42.6]", html)
        self.assertIn("40.0 %", html)
        self.assertNotIn("November calls", page("2026-09-01"))

    def test_continuous_enrols_each_newly_at_risk_customer_once(self):
        """At risk after 60 days without a visit (the default settings).

        Anne last came on 1 Aug, Bea on 15 Sep, Cleo on 1 Nov. On 1 Nov the
        nightly figures put Anne at risk: the campaign starts with her. On 20
        Nov Bea is at risk (66 days): the night enrols her, once however often
        it runs; Cleo is not at risk and stays out.
        """
        anne, bea, cleo = self.env["res.partner"].create(
            [{"name": "Anne"}, {"name": "Bea"}, {"name": "Cleo"}]
        )
        for partner, day in ((anne, "08-01"), (bea, "09-15"), (cleo, "11-01")):
            self.loop_order(partner, 300.0, f"2026-{day} 10:00:00")
        campaign = self.campaign(
            mode="continuous",
            holdout_percent=10.0,
            audience_domain="[('health', '=', 'at_risk')]",
        )
        Engine = self.env["loop.engine"]
        with freeze_time("2026-11-01 20:00:00"):
            Engine.run_all()
            campaign.action_start()
        self.assertEqual(campaign.member_ids.partner_id, anne)
        with freeze_time("2026-11-20 20:00:00"):
            Engine.run_all()
            self.env["loop.campaign"]._cron_enrol()
            self.env["loop.campaign"]._cron_enrol()
        self.assertEqual(campaign.member_ids.partner_id, anne | bea)
        self.assertEqual(
            campaign.member_ids.filtered(lambda m: m.partner_id == bea).enrol_date,
            fields.Date.to_date("2026-11-21"),
        )

    def test_occasion_leaves_her_to_the_running_campaign_of_its_kind(self):
        """Anne is in the window of a running win-back campaign (enrolled on
        25 Oct, 30 days): a win-back occasion leaves her to it; Bea, in none,
        is enrolled by the campaign on occasions and called. Once Anne's
        window is over, her next occasion enrols her."""
        anne, bea = self.env["res.partner"].create(
            [
                {"name": "Anne", "loop_user_id": self.staff.id},
                {"name": "Bea", "loop_user_id": self.staff.id},
            ]
        )
        for partner in anne | bea:
            self.loop_order(partner, 300.0, "2026-08-01 10:00:00")
        once = self.campaign(audience_domain=f"[('partner_id', '=', {anne.id})]")
        with freeze_time("2026-10-25 04:00:00"):
            once.action_start()
        self.assertEqual(once.member_ids.partner_id, anne)
        occasions = self.start_occasions("win_back")

        def occasion(day):
            return self.env["loop.campaign"]._enrol_occasions(
                "win_back",
                self.company,
                [
                    {"partner_id": partner.id, "occasion": day, "summary": "Call"}
                    for partner in anne | bea
                ],
                fields.Date.to_date(day),
            )

        self.assertEqual(occasion("2026-11-01").partner_id, bea)
        self.assertEqual(occasions.member_ids.partner_id, bea)
        self.assertEqual(self.activities(bea).summary, "Call")
        # 25 Oct + 30 days = 24 Nov is Anne's last day in the first campaign
        self.assertFalse(occasion("2026-11-24"))
        self.assertEqual(occasion("2026-11-25").partner_id, anne)
