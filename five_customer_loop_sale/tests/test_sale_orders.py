from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from odoo.addons.five_customer_loop.tests.common import LoopCase


@tagged("post_install", "-at_install")
class TestSaleOrders(LoopCase):
    def _sale(self, partner, amount, when):
        with freeze_time(when):
            order = self.env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "date_order": when,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.cream.id,
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
