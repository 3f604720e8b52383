"""The till's side of the shared scenario builders: a company with a chart of
accounts, open POS shops and paid orders."""

from datetime import datetime

from freezegun import freeze_time

from odoo import Command, fields

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.five_customer_loop.tests.common import LoopBaseCase


class LoopCase(LoopBaseCase, AccountTestInvoicingCommon):
    """A company with a chart of accounts, an open POS session and a product.

    The main addon's ``LoopBaseCase`` (its clock, company, tiers and products)
    on Odoo's accounting base: its company is the one of the chart of
    accounts, and both products are on sale at the till, without taxes.

    ``loop_order`` creates a paid POS order the way the till does: order,
    payment, then ``action_pos_order_paid``. The clock is frozen at
    ``TEST_NOW`` for the whole class (Odoo's ``TransactionCase.freeze_time``).
    """

    @classmethod
    def _loop_company(cls):
        return cls.company_data["company"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        (cls.service | cls.cream).write(
            {"available_in_pos": True, "taxes_id": [Command.clear()]}
        )
        cls.shop = cls.loop_shop(cls.company)

    @classmethod
    def loop_shop(cls, company, currency=None, name="Shop", code=None):
        """An open POS session of a new shop of ``company`` (in ``currency``)."""
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=[company.id]))
        code = code or f"L{company.id}{currency.id if currency else 0}"[:5]
        journal_vals = {
            "company_id": company.id,
            "currency_id": currency.id if currency else False,
        }
        cash = env["account.journal"].create(
            {
                "name": f"Cash {name}",
                "type": "cash",
                "code": f"C{code}"[:5],
                **journal_vals,
            }
        )
        sale = env["account.journal"].create(
            {
                "name": f"POS {name}",
                "type": "sale",
                "code": f"S{code}"[:5],
                **journal_vals,
            }
        )
        method = env["pos.payment.method"].create(
            {"name": f"Cash {name}", "journal_id": cash.id, "company_id": company.id}
        )
        config_vals = {
            "name": name,
            "company_id": company.id,
            "journal_id": sale.id,
            "invoice_journal_id": sale.id,
            "payment_method_ids": [Command.set(method.ids)],
        }
        if currency:
            pricelist = env["product.pricelist"].create(
                {
                    "name": f"Pricelist {name}",
                    "currency_id": currency.id,
                    "company_id": company.id,
                }
            )
            config_vals.update(
                use_pricelist=True,
                available_pricelist_ids=[Command.set(pricelist.ids)],
                pricelist_id=pricelist.id,
            )
        config = env["pos.config"].create(config_vals)
        session = env["pos.session"].create(
            {"config_id": config.id, "user_id": env.uid}
        )
        return {"config": config, "session": session, "method": method, "env": env}

    def loop_order(
        self, partner, amount, when, shop=None, product=None, qty=1, refund_of=None
    ):
        """A paid POS order of ``amount`` (negative: a refund) at local ``when``.

        ``when`` is a naive datetime in the company's time zone (Asia/Shanghai,
        UTC+8): the order is stored in UTC like the till does. A refund of
        ``refund_of`` points to that order's line, as the till's refund does.
        """
        shop = shop or self.shop
        env = shop["env"]
        if isinstance(when, str):
            when = datetime.fromisoformat(when)
        utc = fields.Datetime.to_datetime(when) - _SHANGHAI_OFFSET
        product = product or self.service
        qty = -abs(qty) if amount < 0 else qty
        with freeze_time(utc):
            order = env["pos.order"].create(
                {
                    "session_id": shop["session"].id,
                    "company_id": shop["config"].company_id.id,
                    "partner_id": partner.id if partner else False,
                    "date_order": utc,
                    "lines": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "qty": qty,
                                "price_unit": amount / qty,
                                "price_subtotal": amount,
                                "price_subtotal_incl": amount,
                                "tax_ids": [Command.clear()],
                                "refunded_orderline_id": refund_of.lines[:1].id
                                if refund_of
                                else False,
                            }
                        )
                    ],
                    "amount_total": amount,
                    "amount_tax": 0.0,
                    "amount_paid": 0.0,
                    "amount_return": 0.0,
                }
            )
            order.add_payment(
                {
                    "pos_order_id": order.id,
                    "amount": amount,
                    "payment_method_id": shop["method"].id,
                    "payment_date": utc,
                }
            )
            order.action_pos_order_paid()
        return order


_SHANGHAI_OFFSET = datetime(2000, 1, 1, 8) - datetime(2000, 1, 1)
