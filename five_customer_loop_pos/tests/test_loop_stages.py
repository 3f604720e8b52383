from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import LoopCase

TODAY = "2026-06-30 12:00:00"


@tagged("post_install", "-at_install")
class TestLoopStages(LoopCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.attract = ref("five_customer_loop.stage_attract")
        cls.retain = ref("five_customer_loop.stage_retain")
        cls.lockin = ref("five_customer_loop.stage_lockin")
        cls.expand = ref("five_customer_loop.stage_expand")
        cls.upgrade = ref("five_customer_loop.stage_upgrade")
        cls.lost = ref("five_customer_loop.stage_lost")
        tiers = cls.env["loop.tier"].search([("company_id", "=", cls.company.id)])
        cls.tier = {t.code: t for t in tiers}
        cls.staff = new_test_user(
            cls.env,
            login="beautician",
            groups="base.group_user,five_customer_loop.group_loop_user",
        )

    def _visits(self, partner, dates, amount=100.0):
        for day in dates:
            self.loop_order(partner, amount, f"{day} 10:00:00")

    def _recompute(self, when=TODAY):
        with freeze_time(when):
            self.env["loop.engine"].run_all()

    # ------------------------------------------------------------------ tiers
    def test_tier_boundaries(self):
        key = self.customer("Key Customer")
        a = self.customer("A Customer")
        e = self.customer("E Customer")
        self.loop_order(key, 100000.0, "2026-06-01 10:00:00")
        self.loop_order(a, 99999.99, "2026-06-01 10:00:00")
        self.loop_order(e, 4999.99, "2026-06-01 10:00:00")
        self._recompute()
        self.assertEqual(self.figures(key).loop_tier_id, self.tier["KEY"])
        self.assertEqual(self.figures(a).loop_tier_id, self.tier["A"])
        self.assertEqual(self.figures(e).loop_tier_id, self.tier["E"])
        # tier A or Key is VIP: the Upgrade stage
        self.assertEqual(self.figures(key).loop_stage_id, self.upgrade)
        self.assertEqual(self.figures(e).loop_stage_id, self.attract)

    def test_tier_history_and_activity(self):
        cleo = self.customer("Cleo", loop_user_id=self.staff.id)
        self.loop_order(cleo, 6000.0, "2025-07-15 10:00:00")
        self._recompute("2025-08-01 12:00:00")
        self.assertEqual(self.figures(cleo).loop_tier_id, self.tier["D"])
        # 6,000 + 5,000 = 11,000 in 12 months: D -> C
        self.loop_order(cleo, 5000.0, "2026-06-01 10:00:00")
        self._recompute()
        self.assertEqual(self.figures(cleo).loop_tier_id, self.tier["C"])
        history = self.env["loop.tier.history"].search(
            [("partner_id", "=", cleo.id)], order="id"
        )
        self.assertEqual(history.mapped("direction"), ["new", "up"])
        self.assertEqual(history[1].tier_from_id, self.tier["D"])
        self.assertEqual(history[1].tier_to_id, self.tier["C"])
        self.assertAlmostEqual(history[1].spend_12m, 11000.0)
        tier_type = self.env.ref("five_customer_loop.mail_activity_type_tier_change")
        activities = cleo.activity_ids.filtered(
            lambda a: a.activity_type_id == tier_type
        )
        self.assertEqual(len(activities), 1)
        self.assertEqual(activities.user_id, self.staff)
        # an upgrade in the last 12 months qualifies for Upgrade
        self.assertTrue(self.figures(cleo).loop_recent_upgrade)
        self.assertEqual(self.figures(cleo).loop_stage_id, self.upgrade)
        # a year later the July order left the window: 5,000 -> D, a downgrade,
        # but the open tier activity is not duplicated
        self._recompute("2026-07-20 12:00:00")
        self.assertEqual(self.figures(cleo).loop_tier_id, self.tier["D"])
        history = self.env["loop.tier.history"].search(
            [("partner_id", "=", cleo.id)], order="id"
        )
        self.assertEqual(history.mapped("direction"), ["new", "up", "down"])
        activities = cleo.activity_ids.filtered(
            lambda a: a.activity_type_id == tier_type
        )
        self.assertEqual(len(activities), 1)

    def test_overlapping_tiers_refused(self):
        with self.assertRaises(ValidationError):
            self.env["loop.tier"].create(
                {
                    "name": "B bis",
                    "code": "B2",
                    "min_spend": 30000.0,
                    "company_id": self.company.id,
                }
            )
        self.assertFalse(self.env["loop.tier"].search([("code", "=", "B2")]))
        with self.assertRaises(ValidationError):
            self.tier["C"].min_spend = 5000.0

    # --------------------------------------------------------------- segments
    def test_segment_medians(self):
        # average tickets 100, 200, 300, 400 -> median 250
        # visits in 12 months 1, 2, 3, 4 -> median 2.5
        people = {}
        for n, ticket in enumerate((100.0, 200.0, 300.0, 400.0), start=1):
            partner = self.customer(f"Seg {n}")
            days = [f"2026-0{m}-10" for m in range(1, n + 1)]
            self._visits(partner, days, amount=ticket)
            people[n] = partner
        self._recompute()
        self.assertAlmostEqual(self.company.loop_segment_amount, 250.0)
        self.assertAlmostEqual(self.company.loop_segment_frequency, 2.5)
        segments = {n: self.figures(p).loop_segment for n, p in people.items()}
        # 100 x 1 visit: low, infrequent; 200 x 2: low, infrequent;
        # 300 x 3: high, frequent; 400 x 4: high, frequent
        self.assertEqual(
            segments, {1: "occasional", 2: "occasional", 3: "big", 4: "big"}
        )
        # fixed by hand: 150 and 2 visits
        self.company.write(
            {
                "loop_segment_mode": "manual",
                "loop_segment_amount": 150.0,
                "loop_segment_frequency": 2,
            }
        )
        self._recompute()
        segments = {n: self.figures(p).loop_segment for n, p in people.items()}
        self.assertEqual(segments, {1: "occasional", 2: "big", 3: "big", 4: "big"})
        # 350 and 3 visits: 300 x 3 is low but frequent (loyal)
        self.company.write({"loop_segment_amount": 350.0, "loop_segment_frequency": 3})
        self._recompute()
        segments = {n: self.figures(p).loop_segment for n, p in people.items()}
        self.assertEqual(
            segments, {1: "occasional", 2: "occasional", 3: "loyal", 4: "big"}
        )
        self.company.write({"loop_segment_amount": 350.0, "loop_segment_frequency": 5})
        self._recompute()
        self.assertEqual(self.figures(people[4]).loop_segment, "potential")

    # ------------------------------------------------------------------ stages
    def test_default_stage_rules(self):
        one = self.customer("One Visit")
        two = self.customer("Two Visits")
        six = self.customer("Six Visits")
        card = self.customer("Card Holder")
        gone = self.customer("Gone")
        self._visits(one, ["2026-06-01"])
        self._visits(two, ["2026-05-01", "2026-06-01"])
        self._visits(six, [f"2026-0{m}-05" for m in range(1, 7)])
        # a referrer must be a customer already
        friend = self.customer("Friend", loop_referred_by_id=six.id)
        self._visits(card, ["2026-06-20"])
        self._visits(gone, ["2025-12-01", "2025-12-20"])
        self._recompute()
        self.assertEqual(self.figures(one).loop_stage_id, self.attract)
        self.assertEqual(self.figures(two).loop_stage_id, self.retain)
        self.assertEqual(self.figures(six).loop_stage_id, self.lockin)
        # 20 Dec 2025 to 30 Jun 2026 = 192 days > 180: lost
        self.assertEqual(self.days_since(gone, TODAY), 192)
        self.assertEqual(self.figures(gone).loop_stage_id, self.lost)
        self.assertEqual(self.figures(gone).loop_health, "lost")
        # a card with value left locks the customer in
        card_type = self.env["loop.card.type"].create(
            {
                "name": "Silver",
                "kind": "value",
                "price": 1000.0,
                "amount": 1000.0,
                "validity_number": 12,
                "validity_unit": "months",
                "company_id": self.company.id,
            }
        )
        with freeze_time("2026-06-20 04:00:00"):
            self.env["loop.card"].issue_card(card, card_type, {"origin": "R-1"})
        self.assertEqual(self.figures(card).loop_card_count, 1)
        self.assertAlmostEqual(self.figures(card).loop_card_balance, 1000.0)
        self.assertEqual(self.figures(card).loop_stage_id, self.lockin)
        self._recompute()
        self.assertEqual(self.figures(card).loop_stage_id, self.lockin)
        # the friend six brought is a prospect in Attract (the loop closes);
        # she pays a visit: six expands the loop
        self.assertEqual(self.figures(friend).loop_stage_id, self.attract)
        self.assertTrue(self.figures(friend).loop_prospect)
        self.assertEqual(self.figures(six).loop_stage_id, self.lockin)
        self._visits(friend, ["2026-06-25"])
        self.assertEqual(self.figures(friend).loop_stage_id, self.attract)
        self.assertFalse(self.figures(friend).loop_prospect)
        self.assertEqual(self.figures(six).loop_referral_paid_count, 1)
        self.assertEqual(self.figures(six).loop_stage_id, self.expand)
        history = self.env["loop.stage.history"].search(
            [("partner_id", "=", six.id)], order="id"
        )
        self.assertEqual(
            history.mapped("stage_to_id"),
            self.attract | self.retain | self.lockin | self.expand,
        )
        self.assertEqual(set(history.mapped("kind")), {"auto"})
        self.assertTrue(all(h.date_end for h in history[:-1]))
        self.assertFalse(history[-1].date_end)

    def test_at_risk_flag_and_win_back(self):
        self.start_occasions("win_back")
        rita = self.customer("Rita", loop_user_id=self.staff.id)
        # visits every 10 days: at risk after max(60, 2 x 10) = 60 days
        self._visits(rita, ["2026-01-01", "2026-01-11", "2026-01-21"])
        self._recompute("2026-03-22 12:00:00")  # 60 days after the last visit
        self.assertEqual(self.figures(rita).loop_health, "good")
        self._recompute("2026-03-23 12:00:00")  # 61 days
        self.assertEqual(self.figures(rita).loop_health, "at_risk")
        self.assertEqual(self.figures(rita).loop_kanban_color, 2)
        win_back = self.env.ref("five_customer_loop.mail_activity_type_win_back")
        self.assertEqual(
            len(rita.activity_ids.filtered(lambda a: a.activity_type_id == win_back)), 1
        )
        # still at risk the next night: no second activity
        self._recompute("2026-03-24 12:00:00")
        self.assertEqual(
            len(rita.activity_ids.filtered(lambda a: a.activity_type_id == win_back)), 1
        )

    def test_manual_move_is_pinned_and_recorded(self):
        pia = self.customer("Pia")
        self._visits(pia, ["2026-06-01"])
        with freeze_time(TODAY):
            # a drag and drop in the funnel writes the stage
            self.figures(pia).write({"loop_stage_id": self.lockin.id})
        self.assertEqual(self.figures(pia).loop_stage_id, self.lockin)
        self.assertTrue(self.figures(pia).loop_stage_pinned)
        last = self.env["loop.stage.history"].search(
            [("partner_id", "=", pia.id)], limit=1
        )
        self.assertEqual(
            (last.kind, last.stage_from_id, last.stage_to_id),
            ("manual", self.attract, self.lockin),
        )
        self.assertEqual(last.reason, "Moved in the funnel")
        self.assertEqual(last.user_id, self.env.user)
        # the nightly rules leave a pinned stage alone
        self._recompute()
        self.assertEqual(self.figures(pia).loop_stage_id, self.lockin)
        # released: the rules apply again
        with freeze_time(TODAY):
            self.figures(pia).action_loop_unpin_stage()
        self.assertEqual(self.figures(pia).loop_stage_id, self.attract)
        self.assertFalse(self.figures(pia).loop_stage_pinned)

    def test_move_wizard_needs_reason_and_manager(self):
        quin = self.customer("Quin")
        self._visits(quin, ["2026-06-01"])
        wizard = self.env["loop.stage.move.wizard"].create(
            {
                "partner_ids": [(6, 0, quin.ids)],
                "stage_id": self.retain.id,
                "reason": "  ",
                "pin": False,
            }
        )
        with self.assertRaises(ValidationError):
            wizard.action_apply()
        wizard.reason = "Bought a package by bank transfer"
        wizard.action_apply()
        self.assertEqual(self.figures(quin).loop_stage_id, self.retain)
        self.assertFalse(self.figures(quin).loop_stage_pinned)
        with self.assertRaises(AccessError):
            self.figures(quin).with_user(self.staff).write(
                {"loop_stage_id": self.upgrade.id}
            )
        self.assertEqual(self.figures(quin).loop_stage_id, self.retain)

    def test_invalid_rule_refused(self):
        for bad in (
            "[('no_such_field', '=', 1)]",
            "not a domain",
            "[('name', 'bogus', 1)]",
            "42",
        ):
            with self.assertRaises(ValidationError):
                self.retain.rule_domain = bad
        self.assertEqual(self.retain.rule_domain, "[('visit_count', '>=', 2)]")

    def test_conversion_and_time_in_stage(self):
        # Hand-built history: 4 customers enter Attract on 1 Jan; two reach Retain
        # (after 10 and 100 days), one never moves, one goes to Lost only.
        history = self.env[
            "loop.stage.history"
        ].sudo()  # the engine writes history, not users
        start = datetime(2026, 1, 1)
        people = [self.customer(f"H{n}") for n in range(4)]

        def row(partner, stage, when, end=None):
            history.create(
                {
                    "partner_id": partner.id,
                    "company_id": self.company.id,
                    "stage_to_id": stage.id,
                    "date": when,
                    "date_end": end,
                }
            )

        row(people[0], self.attract, start, start + timedelta(days=10))
        row(
            people[0],
            self.retain,
            start + timedelta(days=10),
            start + timedelta(days=40),
        )
        row(people[1], self.attract, start, start + timedelta(days=100))
        row(people[1], self.retain, start + timedelta(days=100))
        row(people[2], self.attract, start)
        row(people[3], self.attract, start, start + timedelta(days=200))
        row(people[3], self.lost, start + timedelta(days=200))
        with freeze_time("2026-07-20 00:00:00"):  # 200 days after 1 January
            attract, retain = (self.attract | self.retain).with_company(self.company)
            # within 90 days only people[0] reached Retain: 1 of 4
            self.assertAlmostEqual(attract.conversion_rate, 25.0)
            # days in Attract: 10, 100, 200 (still there), 200 -> 127.5
            self.assertAlmostEqual(attract.avg_days_in_stage, 127.5)
            # Retain: 30 days, and 100 days so far (still there) -> 65
            self.assertAlmostEqual(retain.avg_days_in_stage, 65.0)
