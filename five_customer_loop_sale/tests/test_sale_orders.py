from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

# The tests weigh sale orders against the till's paid orders (and the measures
# per till): they need the POS bridge installed beside this one.
from odoo.addons.five_customer_loop_pos.tests.common import LoopCase


@tagged("post_install", "-at_install")
class TestSaleOrders(LoopCase):
    def _sale(self, partner, amount, when, product=None):
        with freeze_time(when):
            order = self.env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "date_order": when,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": (product or self.cream).id,
                                "product_uom_qty": 1,
                                "price_unit": amount,
                                "tax_id": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        return order

    def _confirm(self, order, when):
        # confirming stamps the order with the confirmation time
        with freeze_time(when):
            order.action_confirm()
        with freeze_time("2026-06-30 12:00:00"):
            self.env["loop.engine"].refresh_partners(order.partner_id)

    def test_confirmed_sale_orders_count(self):
        # POS visit 100 on 1 May (08:00 Shanghai); sale order 500 confirmed on
        # 10 May 02:00 UTC (= 10:00 Shanghai); a quotation of 900 is ignored.
        # -> 2 visits, total 600, average ticket 300
        ivy = self.customer("Ivy")
        self.loop_order(ivy, 100.0, "2026-05-01 08:00:00")
        sale = self._sale(ivy, 500.0, "2026-05-10 02:00:00")
        self._sale(ivy, 900.0, "2026-05-11 02:00:00")
        self._confirm(sale, "2026-05-10 02:00:00")
        ivy_c = self.figures(ivy)
        self.assertEqual(ivy_c.loop_visit_count, 2)
        self.assertAlmostEqual(ivy_c.loop_spend_total, 600.0)
        self.assertAlmostEqual(ivy_c.loop_avg_ticket, 300.0)
        self.assertEqual(str(ivy_c.loop_last_visit), "2026-05-10")
        self.assertEqual(
            ivy_c.loop_stage_id, self.env.ref("five_customer_loop.stage_retain")
        )
        # cancelling the order takes it out again
        with freeze_time("2026-06-30 12:00:00"):
            sale._action_cancel()
        ivy_c = self.figures(ivy)
        self.assertEqual(ivy_c.loop_visit_count, 1)
        self.assertAlmostEqual(ivy_c.loop_spend_total, 100.0)

    def test_sale_only_customer_enters_the_loop(self):
        jo = self.customer("Jo")
        sale = self._sale(jo, 250.0, "2026-06-01 02:00:00")
        self._confirm(sale, "2026-06-01 02:00:00")
        jo_c = self.figures(jo)
        self.assertEqual(jo_c.loop_visit_count, 1)
        self.assertEqual(self.days_since(jo, "2026-06-30 12:00:00"), 29)
        self.assertEqual(
            jo_c.loop_stage_id, self.env.ref("five_customer_loop.stage_attract")
        )

    def test_sale_lines_always_read_again(self):
        """A confirmed sale order's lines may still change: a customer with
        sale orders has her lines read on every run, whatever her digest."""
        kim = self.customer("Kim")
        # the cream on 1 May at the till and on 10 May on a sale order: bought
        # again, 1 product of 1
        self.loop_order(kim, 100.0, "2026-05-01 08:00:00", product=self.cream)
        sale = self._sale(kim, 500.0, "2026-05-10 02:00:00")
        self._confirm(sale, "2026-05-10 02:00:00")
        member = self.env["loop.customer"].search(
            [("partner_id", "=", kim.id), ("company_id", "=", self.company.id)]
        )
        self.assertAlmostEqual(member.repurchase_rate, 100.0)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE loop_customer SET repurchase_rate = 12.5 WHERE id = %s",
            [member.id],
        )
        self.env.invalidate_all()
        with freeze_time("2026-06-30 12:00:00"):
            self.env["loop.engine"].refresh_partners(kim)
        self.assertAlmostEqual(member.repurchase_rate, 100.0)

    def test_sale_orders_count_in_the_measures(self):
        """A confirmed sale order is a visit for the measures too, as for the
        archive (one definition of a visit, ``loop.engine._paid_orders``): the
        monthly snapshots count it in the scope of all the stores (it has no
        till), the cohorts and the return rates count it (its services in the
        booking cycles), the top products list its lines."""
        lin, mo = self.customer("Lin"), self.customer("Mo")
        # Lin: Facial Care at the till on 5 March (local), then Facial Care
        # again on a sale order on 10 April (02:00 UTC = 10:00 local), 36 days
        # later; Mo: only a sale order (the cream), on 12 April
        self.loop_order(lin, 200.0, "2026-03-05 10:00:00")
        lin_sale = self._sale(lin, 300.0, "2026-04-10 02:00:00", self.service)
        self._confirm(lin_sale, "2026-04-10 02:00:00")
        mo_sale = self._sale(mo, 150.0, "2026-04-12 02:00:00")
        self._confirm(mo_sale, "2026-04-12 02:00:00")

        april = {
            (row["config_id"], row["tier_id"]): row
            for row in self.env["loop.retention.snapshot"]._compute_month(
                self.company, date(2026, 4, 1)
            )
        }
        figures = ("active_start", "new_count", "retained_count", "visitor_count")
        # every store: Lin active since March and back in April, Mo new
        self.assertEqual(
            tuple(april[(False, False)][name] for name in figures), (1, 1, 1, 2)
        )
        # the shop: Lin's March visit keeps her active; nobody visited it in April
        shop = self.shop["config"].id
        self.assertEqual(
            tuple(april[(shop, False)][name] for name in figures), (1, 0, 1, 0)
        )

        with freeze_time("2026-06-30 12:00:00"):
            cohorts = self.env["loop.cohort.analysis"].search(
                [("partner_id", "in", (lin | mo).ids)]
            )
            self.assertEqual(
                sorted(
                    (r.partner_id.name, str(r.cohort), r.months_since, r.visiting_count)
                    for r in cohorts
                    if r.months_since <= 1
                ),
                [
                    ("Lin", "2026-03-01", 0, 1),
                    ("Lin", "2026-03-01", 1, 1),  # the sale order in April
                    ("Mo", "2026-04-01", 0, 1),
                    ("Mo", "2026-04-01", 1, 0),
                ],
            )
            rates = self.env["loop.return.rate"]._rebuild(
                self.company, ["2026-03-01", "2026-04-01"]
            )
        march = rates.filtered(lambda r: r.scope == "all" and r.period == "2026-03")
        # Lin's one visit of March came back 36 days later: within 60 days
        self.assertEqual(
            (march.visit_count, march.returned_30, march.returned_60), (1, 0, 1)
        )
        # April's Facial Care (the sale order) came 36 days after the last one
        facial = rates.filtered(
            lambda r: r.scope == "service" and r.period == "2026-04"
        )
        self.assertEqual(
            (facial.product_id, facial.visit_count, facial.cycle_days),
            (self.service, 1, 36.0),
        )
        self.assertEqual(
            lin.with_company(self.company).loop_top_products,
            f"{self.service.display_name} × 2",
        )
        self.assertEqual(
            mo.with_company(self.company).loop_top_products,
            f"{self.cream.display_name} × 1",
        )

    def test_first_sale_order_earns_the_referral_reward(self):
        """A referred customer whose first purchase is a sale order earns her
        referrer the reward, as a first paid visit at the till does."""
        gold = self.env["loop.card.type"].create(
            {
                "name": "Gold Card",
                "kind": "value",
                "price": 1000.0,
                "amount": 1000.0,
                "company_id": self.company.id,
            }
        )
        self.env["loop.referral.rule"].create(
            {
                "name": "Bring a friend",
                "date_start": "2026-01-01",
                "min_order_amount": 300.0,
                "referrer_reward": "value",
                "referrer_card_type_id": gold.id,
                "referrer_amount": 200.0,
                "new_reward": "none",
            }
        )
        # Nora (a customer: one visit at the till) brings Pia; Pia's first and
        # only purchase: a sale order of 450, confirmed 12 May 10:00 Shanghai
        nora = self.customer("Nora")
        self.loop_order(nora, 100.0, "2026-04-02 10:00:00")
        pia = self.customer("Pia", loop_referred_by_id=nora.id)
        sale = self._sale(pia, 450.0, "2026-05-12 02:00:00")
        self._confirm(sale, "2026-05-12 02:00:00")
        reward = self.env["loop.referral.reward"].search([("referred_id", "=", pia.id)])
        self.assertEqual(
            (reward.referrer_id, reward.state, reward.order_ref, reward.order_amount),
            (nora, "granted", sale, 450.0),
        )
        # Nora's new Gold Card holds the 200 of the reward, nothing paid
        card = reward.referrer_card_id
        self.assertEqual(
            (card.type_id, card.balance, card.paid_amount), (gold, 200.0, 0.0)
        )
