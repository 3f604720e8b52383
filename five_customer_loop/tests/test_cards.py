from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common_cards import CardCase


@tagged("post_install", "-at_install")
class TestCards(CardCase):
    # ------------------------------------------------------------------ issue
    def test_issue_stored_value_with_bonus(self):
        card = self.issue(self.gold)
        self.assertTrue(card.code.startswith("LC"))
        self.assertEqual(card.state, "active")
        self.assertEqual(str(card.issue_date), "2026-01-15")
        # 12 months from 15 January 2026: usable up to 14 January 2027 included
        self.assertEqual(str(card.expiry_date), "2027-01-14")
        # pay 10,000, receive 11,000
        self.assertEqual(card.balance, 11000.0)
        self.assertEqual(card.paid_amount, 10000.0)
        self.assertEqual(card.loaded_amount, 11000.0)
        issue = card.move_ids
        self.assertEqual(len(issue), 1)
        self.assertEqual(
            (issue.kind, issue.amount, issue.paid_amount, issue.origin),
            ("issue", 11000.0, 10000.0, "R-issue"),
        )
        self.assertEqual(str(issue.date), "2026-01-15")
        self.assertEqual(issue.partner_id, self.alice)
        self.assertTrue(card.barcode_image)

    def test_issue_session_package_splits_price(self):
        card = self.issue(self.package)
        # 6 months from 15 January: usable up to 14 July
        self.assertEqual(str(card.expiry_date), "2026-07-14")
        self.assertEqual(
            self.sessions(card), {"Facial Care": (10, 2250.0), "Massage": (5, 750.0)}
        )
        self.assertEqual(card.balance, 3000.0)
        self.assertEqual(card.sessions_left, 15)
        self.assertEqual(card.item_count, 2)
        self.assertEqual(sorted(card.move_ids.mapped("sessions")), [5, 10])

    def test_issue_other_amount_and_back_office_form(self):
        card = self.issue(self.gold, amount=500.0)
        # an amount given at the till: no bonus, the cash is the amount
        self.assertEqual((card.balance, card.paid_amount), (500.0, 500.0))
        form = Form(self.env["loop.card"])
        form.partner_id = self.bob
        form.type_id = self.package
        card = form.save()
        self.assertEqual(card.balance, 3000.0)
        self.assertEqual(
            card.move_ids.mapped("origin"), ["Issued in the back office"] * 2
        )

    # ---------------------------------------------------------------- top-up
    def test_used_up_then_topped_up(self):
        card = self.issue(self.gold)
        with self.at("2026-02-01"):
            card.consume_amount(11000.0, {"origin": "R3"})
            self.assertEqual(card.state, "used_up")
            self.assertEqual(card.balance, 0.0)
            card.top_up(100.0, None, {"origin": "R4"})
        self.assertEqual(card.state, "active")
        self.assertEqual((card.balance, card.paid_amount), (100.0, 10100.0))

    # ------------------------------------------------------------- sessions
    def test_consume_sessions_release_value(self):
        card = self.issue(self.package)
        booking = self.env["calendar.event"].create(
            {
                "name": "Facial",
                "start": "2026-02-01 02:00:00",
                "stop": "2026-02-01 03:00:00",
            }
        )
        with self.at("2026-02-01"):
            facial = card.consume_session(
                self.service, {"calendar_event_id": booking.id}
            )
            massages = card.consume_session(self.massage, {"origin": "R5"}, sessions=2)
        # one facial of 10 worth 2,250: 225; two massages of 5 worth 750: 300
        self.assertEqual((facial.sessions, facial.amount), (-1, -225.0))
        self.assertEqual(facial.calendar_event_id, booking)
        self.assertEqual((massages.sessions, massages.amount), (-2, -300.0))
        self.assertEqual(
            self.sessions(card), {"Facial Care": (9, 2025.0), "Massage": (3, 450.0)}
        )
        # 3,000 - 225 - 300
        self.assertEqual(card.balance, 2475.0)
        with self.at("2026-02-02"):
            last = card.consume_session(self.massage, {"origin": "R6"}, sessions=3)
        # the last massages take whatever value is left
        self.assertEqual(last.amount, -450.0)
        self.assertEqual(self.sessions(card)["Massage"], (0, 0.0))
        self.assertEqual((card.sessions_left, card.item_count), (9, 1))

    def test_pick_session_card_earliest_expiry(self):
        six_months = self.issue(self.package, when="2026-01-01")  # until 2026-06-30
        three = self.package.copy({"name": "Short Package", "validity_number": 3})
        short = self.issue(three, when="2026-02-01")  # until 2026-04-30
        forever = self.package.copy({"name": "Forever", "validity_number": 0})
        never = self.issue(forever, when="2026-01-01")
        self.issue(self.gold, when="2026-01-01")
        Card = self.env["loop.card"]
        with self.at("2026-03-01"):
            self.assertEqual(Card._pick_session_card(self.alice, self.service), short)
            short.consume_session(self.service, {"origin": "R"}, sessions=10)
            self.assertEqual(
                Card._pick_session_card(self.alice, self.service), six_months
            )
            self.assertEqual(Card._pick_session_card(self.alice, self.massage), short)
            self.assertFalse(Card._pick_session_card(self.alice, self.cream))
            self.assertFalse(Card._pick_session_card(self.bob, self.service))
        with self.at("2026-07-01"):
            # both dated cards have expired: the card that never expires is left
            self.assertEqual(Card._pick_session_card(self.alice, self.service), never)

    # ------------------------------------------------------------ bad input
    def assertRefused(self, card, call, message):
        """``call`` raises a UserError containing ``message`` and writes nothing."""
        before = (len(card.move_ids), card.balance, card.sessions_left, card.state)
        with self.assertRaisesRegex(UserError, message):
            call()
        card.invalidate_recordset()
        self.assertEqual(
            (len(card.move_ids), card.balance, card.sessions_left, card.state), before
        )

    def test_bad_input_refused(self):
        gold = self.issue(self.gold)
        package = self.issue(self.package)
        with self.at("2026-02-01"):
            self.assertRefused(
                gold,
                lambda: gold.consume_amount(11000.01, {"origin": "R"}),
                "not enough",
            )
            self.assertRefused(
                gold,
                lambda: gold.consume_amount(-10.0, {"origin": "R"}),
                "must be positive",
            )
            self.assertRefused(
                gold,
                lambda: gold.consume_amount(0.0, {"origin": "R"}),
                "must be positive",
            )
            self.assertRefused(
                gold,
                lambda: gold.top_up(-50.0, None, {"origin": "R"}),
                "must be positive",
            )
            self.assertRefused(
                gold,
                lambda: gold.top_up(50.0, -1.0, {"origin": "R"}),
                "cannot be negative",
            )
            self.assertRefused(
                gold, lambda: gold.consume_amount(10.0, {}), "comes from"
            )
            self.assertRefused(
                gold, lambda: gold.consume_amount(10.0, {"partner_id": 1}), "origin"
            )
            self.assertRefused(
                gold,
                lambda: gold.consume_session(self.service, {"origin": "R"}),
                "no sessions",
            )
            self.assertRefused(
                package,
                lambda: package.consume_amount(10.0, {"origin": "R"}),
                "session package",
            )
            self.assertRefused(
                package,
                lambda: package.consume_session(self.cream, {"origin": "R"}),
                "not part of the package",
            )
            self.assertRefused(
                package,
                lambda: package.consume_session(
                    self.massage, {"origin": "R"}, sessions=6
                ),
                r"5 session\(s\) of Massage left",
            )
            self.assertRefused(
                package,
                lambda: package.consume_session(
                    self.massage, {"origin": "R"}, sessions=-1
                ),
                "must be positive",
            )
            self.assertRefused(
                package, lambda: package.top_up(10.0, 10.0, {"origin": "R"}), "package"
            )

    def test_cancelled_and_expired_cards_refused(self):
        gold = self.issue(self.gold)
        with self.at("2026-02-01"):
            gold.action_cancel("Customer moved away")
            self.assertRefused(
                gold, lambda: gold.consume_amount(1.0, {"origin": "R"}), "is cancelled"
            )
            self.assertRefused(
                gold, lambda: gold.top_up(1.0, 1.0, {"origin": "R"}), "is cancelled"
            )
            self.assertRefused(gold, lambda: gold.action_cancel(), "Cancelled already")
        package = self.issue(self.package)  # usable until 2026-07-14
        with self.at("2026-07-15"):
            self.assertRefused(
                package,
                lambda: package.consume_session(self.service, {"origin": "R"}),
                "expired on",
            )

    def test_moves_are_append_only(self):
        card = self.issue(self.gold)
        move = card.move_ids
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            move.write({"amount": 1.0})
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            move.unlink()
        with self.assertRaisesRegex(UserError, "not by hand"):
            self.env["loop.card.move"].create(
                {"card_id": card.id, "kind": "topup", "amount": 5.0, "origin": "x"}
            )
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            card.unlink()
        with self.assertRaisesRegex(UserError, "state follows its ledger"):
            card.write({"state": "expired"})
        with self.assertRaisesRegex(UserError, "is issued"):
            card.write({"partner_id": self.bob.id})
        card.invalidate_recordset()
        self.assertEqual(
            (move.amount, card.partner_id, card.state), (11000.0, self.alice, "active")
        )

    # -------------------------------------------------------------- reversals
    def test_reverse_consumption(self):
        card = self.issue(self.gold)
        with self.at("2026-02-01"):
            consume = card.consume_amount(1000.0, {"origin": "R7"})
            self.assertEqual(card.balance, 10000.0)
            with self.assertRaisesRegex(UserError, "reason"):
                consume.action_reverse("  ")
            reversal = consume.action_reverse("Wrong card swiped")
        self.assertEqual(
            (
                reversal.kind,
                reversal.amount,
                reversal.reversed_move_id,
                reversal.reason,
            ),
            ("consume", 1000.0, consume, "Wrong card swiped"),
        )
        self.assertTrue(consume.is_reversed)
        self.assertEqual(card.balance, 11000.0)
        # net consumption is zero: the reversal keeps the kind, with the opposite sign
        self.assertEqual(card.consumed_amount, 0.0)
        self.assertRefused(
            card, lambda: consume.action_reverse("again"), "already reversed"
        )
        self.assertRefused(
            card, lambda: reversal.action_reverse("undo"), "itself a reversal"
        )

    def test_reverse_session_and_top_up(self):
        package = self.issue(self.package)
        gold = self.issue(self.gold)
        with self.at("2026-02-01"):
            used = package.consume_session(self.service, {"origin": "R"})
            used.action_reverse("Care record cancelled")
            topup = gold.top_up(1000.0, 1000.0, {"origin": "R"})
            gold.consume_amount(11500.0, {"origin": "R"})
            # 12,000 - 11,500 = 500 left: taking the 1,000 top-up back goes below 0
            self.assertRefused(
                gold, lambda: topup.action_reverse("Refund"), "not enough"
            )
        self.assertEqual(self.sessions(package)["Facial Care"], (10, 2250.0))
        self.assertEqual(gold.balance, 500.0)

    # ------------------------------------------------------------- adjustments
    def test_manager_adjustments(self):
        card = self.issue(self.gold)
        package = self.issue(self.package)
        with self.at("2026-02-01"):
            plus = card._action_adjust(200.0, "Goodwill for a late appointment")
            minus = card._action_adjust(-300.0, "Double top-up at the till")
            extra = package._action_adjust(
                0.0, "Free session", sessions=1, product=self.massage
            )
            self.assertRefused(card, lambda: card._action_adjust(50.0, ""), "reason")
            self.assertRefused(
                card, lambda: card._action_adjust(-11000.0, "Too much"), "not enough"
            )
            self.assertRefused(
                package,
                lambda: package._action_adjust(10.0, "No service"),
                "name the service",
            )
        self.assertEqual(
            (plus.kind, plus.amount, minus.amount), ("adjust", 200.0, -300.0)
        )
        # 11,000 + 200 - 300
        self.assertEqual(card.balance, 10900.0)
        self.assertEqual((extra.sessions, extra.amount), (1, 0.0))
        # 6 massages now share the 750 of value: the first one releases 125
        self.assertEqual(self.sessions(package)["Massage"], (6, 750.0))
        with self.at("2026-02-02"):
            self.assertEqual(
                package.consume_session(self.massage, {"origin": "R"}).amount, -125.0
            )

    # ------------------------------------------------------------ cancellation
    def test_cancel_refunds_without_bonus(self):
        card = self.issue(self.gold)
        with self.at("2026-02-01"):
            card.consume_amount(5500.0, {"origin": "R"})
            refund = card.action_cancel("Moving abroad")
        # 5,500 of value left; paid 10,000 for 11,000: cash back 5,500 × 10/11 = 5,000
        self.assertEqual(
            (refund.kind, refund.amount, refund.paid_amount, refund.origin),
            ("refund", -5500.0, -5000.0, "Moving abroad"),
        )
        self.assertEqual((card.state, card.balance), ("cancelled", 0.0))

    def test_cancel_package_and_reverse_the_refund(self):
        card = self.issue(self.package)
        with self.at("2026-02-01"):
            card.consume_session(self.service, {"origin": "R"})
            refunds = card.action_cancel()
        # 9 facials worth 2,025 and 5 massages worth 750 go back
        self.assertEqual(
            sorted((m.sessions, m.amount, m.paid_amount) for m in refunds),
            [(-9, -2025.0, -2025.0), (-5, -750.0, -750.0)],
        )
        self.assertEqual(
            (card.state, card.balance, card.sessions_left), ("cancelled", 0.0, 0)
        )
        with self.at("2026-02-02"):
            refunds.action_reverse("Cancelled by mistake")
        self.assertEqual(
            (card.state, card.balance, card.sessions_left), ("active", 2775.0, 14)
        )

    # ------------------------------------------------------------------ expiry
    def test_expiry_on_the_exact_day(self):
        month = self.package.copy(
            {"name": "30 Days", "validity_number": 30, "validity_unit": "days"}
        )
        card = self.issue(month, when="2026-03-01")
        gold = self.issue(
            self.gold, partner=self.bob, when="2025-03-01"
        )  # until 2026-02-28
        # 30 days from 1 March: usable up to 30 March included
        self.assertEqual(str(card.expiry_date), "2026-03-30")
        Card = self.env["loop.card"]
        # 23:30 in Shanghai on 30 March (15:30 UTC): still usable
        with freeze_time("2026-03-30 15:30:00"):
            Card._cron_expire()
            self.assertEqual(card.state, "active")
            card.consume_session(self.service, {"origin": "R"})
        # 00:30 in Shanghai on 31 March (16:30 UTC on the 30th): expired
        with freeze_time("2026-03-30 16:30:00"):
            self.assertRefused(
                card,
                lambda: card.consume_session(self.service, {"origin": "R"}),
                "expired on",
            )
            Card._cron_expire()
        self.assertEqual(card.state, "expired")
        self.assertEqual(gold.state, "expired")
        expired = card.move_ids.filtered(lambda m: m.kind == "expire")
        # breakage: 9 facials worth 2,025 and 5 massages worth 750
        self.assertEqual(
            sorted((m.sessions, m.amount, str(m.date)) for m in expired),
            [(-9, -2025.0, "2026-03-31"), (-5, -750.0, "2026-03-31")],
        )
        self.assertEqual((card.balance, card.sessions_left), (0.0, 0))
        # the whole 11,000 of the stored-value card expired unused
        self.assertEqual(
            gold.move_ids.filtered(lambda m: m.kind == "expire").amount, -11000.0
        )
        # a manager extends the card, then reverses the expiry
        with freeze_time("2026-04-01 04:00:00"):
            self.assertRefused(
                card, lambda: expired.action_reverse("Hospital stay"), "extend"
            )
            card.expiry_date = "2026-04-30"
            expired.action_reverse("Hospital stay")
        self.assertEqual(
            (card.state, card.sessions_left, card.balance), ("active", 14, 2775.0)
        )

    # --------------------------------------------------------- customer figures
    def test_partner_figures_follow_moves(self):
        gold = self.issue(self.gold)
        package = self.issue(self.package)
        a = self.figures(self.alice)
        # only the stored-value card counts as stored value
        self.assertEqual(
            (a.loop_card_balance, a.loop_card_sessions, a.loop_card_count),
            (11000.0, 15, 2),
        )
        self.assertEqual(
            a.loop_stage_id, self.env.ref("five_customer_loop.stage_lockin")
        )
        with self.at("2026-02-01"):
            gold.consume_amount(11000.0, {"origin": "R"})
            package.consume_session(self.massage, {"origin": "R"}, sessions=2)
        a = self.figures(self.alice)
        self.assertEqual(
            (a.loop_card_balance, a.loop_card_sessions, a.loop_card_count), (0.0, 13, 1)
        )
        with self.at("2026-07-15"):
            self.env["loop.card"]._cron_expire()
        a = self.figures(self.alice)
        self.assertEqual(
            (a.loop_card_balance, a.loop_card_sessions, a.loop_card_count), (0.0, 0, 0)
        )

    def test_back_office_wizard(self):
        card = self.issue(self.gold)
        with self.at("2026-02-01"):
            wizard = Form(
                self.env["loop.card.wizard"].with_context(
                    default_card_id=card.id, default_operation="topup"
                )
            )
            wizard.amount = 1000.0
            self.assertEqual(wizard.paid_amount, 1000.0)
            wizard.paid_amount = 900.0
            wizard.origin = "Bank transfer 77"
            wizard.save().action_apply()
        self.assertEqual((card.balance, card.paid_amount), (12000.0, 10900.0))
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("five_customer_loop.report_loop_card", card.ids)[0]
            .decode()
        )
        self.assertIn(card.code, html)
