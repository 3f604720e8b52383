"""Shared scenario builders of the tests: companies, POS shops, paid orders."""

from datetime import datetime

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

# The moment every test of the suite lives in (noon in Shanghai), from its
# class set-up to its last assertion: no test reads the real clock. A test
# that needs another day pins it with ``freeze_time`` inside this one. The
# test command runs the suite a second time with the process clock moved
# 1,000 days ahead, so a test that escapes this pin fails the day it is written.
TEST_NOW = "2026-11-23 04:00:00"


class LoopCase(AccountTestInvoicingCommon):
    """A company with a chart of accounts, an open POS session and a product.

    ``loop_order`` creates a paid POS order the way the till does: order,
    payment, then ``action_pos_order_paid``. The clock is frozen at
    ``TEST_NOW`` for the whole class (Odoo's ``TransactionCase.freeze_time``).
    """

    freeze_time = TEST_NOW

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.company_data["company"]
        cls.company.partner_id.tz = "Asia/Shanghai"
        cls.env.user.tz = "Asia/Shanghai"
        cls.env.user.groups_id |= cls.env.ref("five_customer_loop.group_loop_manager")
        cls.company._loop_create_default_tiers()
        cls.service = cls.env["product.product"].create(
            {
                "name": "Facial Care",
                "type": "service",
                "loop_bookable": True,
                "list_price": 300.0,
                "available_in_pos": True,
                "taxes_id": [Command.clear()],
            }
        )
        cls.cream = cls.env["product.product"].create(
            {
                "name": "Hydrating Cream",
                "type": "consu",
                "list_price": 200.0,
                "available_in_pos": True,
                "taxes_id": [Command.clear()],
            }
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

    @classmethod
    def company_user(cls, login, groups="five_customer_loop.group_loop_user", **vals):
        """A user of the test company only: a Customer Loop user unless told."""
        return new_test_user(
            cls.env,
            login=login,
            groups=groups,
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
            **vals,
        )

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

    @classmethod
    def start_occasions(cls, *kinds, **vals):
        """Start campaigns on the loop's occasions (win-back, birthday,
        follow-up) in the test company: the loop raises those calls through
        them. The holdout share is as small as the model allows (a draw below
        1e-8: none of a test's customers), unless ``vals`` say otherwise."""
        types = {
            "win_back": "mail_activity_type_win_back",
            "birthday": "mail_activity_type_birthday",
            "follow_up": "mail_activity_type_follow_up",
        }
        campaigns = cls.env["loop.campaign"].create(
            [
                {
                    "name": kind,
                    "kind": kind,
                    "mode": "event",
                    "company_id": cls.company.id,
                    "holdout_percent": 1e-6,
                    "seed": 1,
                    "activity_type_id": cls.env.ref(
                        f"five_customer_loop.{types[kind]}"
                    ).id,
                    **vals,
                }
                for kind in kinds
            ]
        )
        campaigns.action_start()
        return campaigns

    def customer(self, name, **vals):
        return self.env["res.partner"].create({"name": name, **vals})

    def figures(self, partner, company=None):
        """The partner's loop figures as seen from ``company``."""
        partner = partner.with_company(company or self.company)
        partner.invalidate_recordset()
        self.env["loop.customer"].invalidate_model()
        return partner

    def days_since(self, partner, when, company=None):
        """Days since the partner's last visit as read at ``when``.

        The figure is computed when read (it changes every day without any
        order), so a test reads it at a pinned moment.
        """
        with freeze_time(when):
            return self.figures(partner, company).loop_days_since_visit


_SHANGHAI_OFFSET = datetime(2000, 1, 1, 8) - datetime(2000, 1, 1)
