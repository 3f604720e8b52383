"""Staff credit per till line, and what it makes of 现金业绩 and 消耗业绩.

One hand-built day, 1 March 2026 (orders sent as the till sends them), with
the gold card on sale in top-up mode (a second sale tops the card up) and a
package issued to Alice beforehand (a facial carries 225 of value):

====  ==============================================  =====  ======  ===========
#     order                                           staff  cash    consumption
====  ==============================================  =====  ======  ===========
1     Alice buys the gold card, cash 10,000           Anna   10,000  0
2     Alice buys it again: a top-up, cash 10,000      Bella  10,000  0
3     Bob: a facial, cash 300                         Anna   300     300
4     Alice: a facial from her package (0 at till)    Bella  0       225
5     Alice: 2 facials at 350, card 500 + cash 200    Anna   200     700
6     Bob's facial of #3 refunded, cash back 300      (Anna) -300    -300
====  ==============================================  =====  ======  ===========

Anna: cash 10,200, consumption 700, services 1 + 2 - 1 = 2, customers served
1 (Alice; Bob's only service was refunded). Bella: cash 10,000, consumption
225, one service, one customer.
"""

from odoo.tests import tagged

from .common_bookings import BookingCase
from .common_pos import PosCardCase


@tagged("post_install", "-at_install")
class TestStaffCredit(PosCardCase, BookingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gold.pos_sale_mode = "top_up"
        cls.bob = cls.customer("Bob")

    def _day(self):
        package = self.issue(self.package, when="2026-02-01")
        line = self.ui_line
        orders = [
            (self.alice, [line(self.gold_product, staff=self.anna)], 10000.0, 0.0),
            (self.alice, [line(self.gold_product, staff=self.bella)], 10000.0, 0.0),
            (self.bob, [line(self.service, staff=self.anna)], 300.0, 0.0),
            (
                self.alice,
                [line(self.service, price=0.0, card=package, staff=self.bella)],
                0.0,
                0.0,
            ),
            (
                self.alice,
                [line(self.service, qty=2, price=350.0, staff=self.anna)],
                200.0,
                500.0,
            ),
        ]
        saved = []
        for partner, lines, cash, card in orders:
            payments = [(self.cash, cash)] if cash else []
            payments += [(self.card_method, card)] if card else []
            saved.append(
                self.sync(self.ui_order(partner, lines, payments), when="2026-03-01")
            )
        refund = self.refund(
            saved[2], [(saved[2].lines, 1)], [(self.cash, -300.0)], when="2026-03-01"
        )
        return package, saved, refund

    def _kpis(self, date_from="2026-03-01", date_to="2026-03-31"):
        with self.at("2026-04-02"):
            wizard = self.env["loop.staff.kpi.wizard"].create(
                {
                    "date_from": date_from,
                    "date_to": date_to,
                    "company_id": self.company.id,
                }
            )
            wizard._compute_lines()
        return {line.staff_id: line for line in wizard.line_ids}

    def test_cash_and_consumption_of_a_day(self):
        _package, _orders, refund = self._day()
        # the refund line was credited to the staff member of the line it refunds
        self.assertEqual(refund.lines.loop_staff_id, self.anna)
        lines = self._kpis()
        self.assertEqual(set(lines), {self.anna, self.bella})
        self.assertRecordValues(
            lines[self.anna] | lines[self.bella],
            [
                {
                    "cash_amount": 10200.0,
                    "consumption_amount": 700.0,
                    "service_count": 2,
                    "served_customer_count": 1,
                },
                {
                    "cash_amount": 10000.0,
                    "consumption_amount": 225.0,
                    "service_count": 1,
                    "served_customer_count": 1,
                },
            ],
        )
        # the day is outside February: nothing there
        self.assertFalse(self._kpis("2026-02-01", "2026-02-28"))

    def test_receipt_carries_balance_and_sessions_left(self):
        package, orders, _refund = self._day()
        sale, top_up, _cash, from_package, paid = orders
        card = self.env["loop.card"].search(
            [("partner_id", "=", self.alice.id), ("kind", "=", "value")]
        )
        code = card.code
        # each receipt reads the ledger as it stood right after its order
        self.assertEqual(
            sale.loop_receipt_cards,
            [
                {
                    "code": code,
                    "name": "Gold Card",
                    "kind": "value",
                    "balance": 11000.0,
                    "expiry_date": "2027-02-28",
                    "sessions": [],
                }
            ],
        )
        self.assertEqual(top_up.loop_receipt_cards[0]["balance"], 22000.0)
        self.assertEqual(paid.loop_receipt_cards[0]["balance"], 21500.0)
        receipt = from_package.loop_receipt_cards
        self.assertEqual(
            [(entry["code"], entry["kind"]) for entry in receipt],
            [(package.code, "session")],
        )
        # 10 facials less the one taken (2,250 - 225 of value), 5 massages
        self.assertEqual(receipt[0]["balance"], 2775.0)
        self.assertEqual(
            receipt[0]["sessions"],
            [
                {"service": "Facial Care", "left": 9},
                {"service": "Massage", "left": 5},
            ],
        )
        # the till gets the figures with the saved order
        with self.at("2026-03-01"):
            data = self.env["pos.order"].sync_from_ui(
                [
                    self.ui_order(
                        self.alice, [self.ui_line(self.massage)], [(self.cash, 200.0)]
                    )
                ]
            )
        self.assertFalse(data["pos.order"][0]["loop_receipt_cards"])

    def test_default_staff_is_the_booking_then_the_cashier(self):
        """A line naming nobody goes to the day's done booking, else the cashier.

        1 March: Alice's booking with Bella (done), Bob's with Anna (cancelled);
        Alice pays a facial naming nobody (Bella's), Bob one too (the
        cashier's), Alice a massage naming Anna (Anna's).
        """
        with self.clock("2026-02-20 09:00"):
            alice = self.book("2026-03-01 11:00", partner=self.alice, staff=self.bella)
            bob = self.book("2026-03-01 15:00", partner=self.bob, staff=self.anna)
        # the till names the staff member of today's booking (done or not)
        with self.at("2026-03-01"):
            self.assertEqual(
                (self.alice.loop_booking_staff_id, self.bob.loop_booking_staff_id),
                (self.bella, self.anna),
            )
        with self.clock("2026-03-01 12:30"):
            alice.with_user(self.bella).with_context(
                loop_no_rebook=True
            ).action_loop_done()
            bob.with_user(self.anna).action_loop_cancel()
        for partner, product, staff in (
            (self.alice, self.service, None),
            (self.bob, self.service, None),
            (self.alice, self.massage, self.anna),
        ):
            line = self.ui_line(product, price=300.0, staff=staff)
            self.sync(self.ui_order(partner, [line], [(self.cash, 300.0)]))
        lines = self._kpis()
        self.assertEqual(set(lines), {self.anna, self.bella, self.env.user})
        for staff in (self.anna, self.bella, self.env.user):
            self.assertRecordValues(
                lines[staff],
                [
                    {
                        "cash_amount": 300.0,
                        "consumption_amount": 300.0,
                        "service_count": 1,
                        "served_customer_count": 1,
                    }
                ],
            )

    def test_till_loads_the_store_staff(self):
        # an internal user outside the loop is no staff member of the till
        self.company_user("clerk", groups="base.group_user", name="Clerk")
        with self.at("2026-03-01"):
            data = self.shop["session"].load_data(["pos.config", "res.users"])
        users = data["res.users"]["data"]
        # the cashier first (the core takes the first user as the cashier)
        self.assertEqual(users[0]["id"], self.env.uid)
        self.assertEqual(users[0]["role"], "manager")
        self.assertEqual(
            {user["id"] for user in users[1:]}, {self.anna.id, self.bella.id}
        )
        self.assertNotIn("groups_id", users[1])
