"""Run in `odoo shell` BEFORE the addon is installed: customers and paid POS orders.

Alice: 3 paid visits (100 + 250 + 50 on 2 days... see below), Bob: one order then a
full refund, Carol: a customer with no order. Dates are relative to today so that
the 12-month figures are predictable.
"""

from datetime import timedelta

from odoo import Command, fields

env = env  # noqa: F821 - provided by odoo shell
company = env.company
now = fields.Datetime.now().replace(hour=4, minute=0, second=0, microsecond=0)
cash = env["account.journal"].search(
    [("type", "=", "cash"), ("company_id", "=", company.id)], limit=1
)
method = env["pos.payment.method"].create({"name": "Cash", "journal_id": cash.id})
config = env["pos.config"].create(
    {"name": "Existing Shop", "payment_method_ids": [Command.set(method.ids)]}
)
session = env["pos.session"].create({"config_id": config.id, "user_id": env.uid})
product = env["product.product"].create(
    {
        "name": "Massage",
        "type": "service",
        "list_price": 100,
        "available_in_pos": True,
        "taxes_id": [Command.clear()],
    }
)


def order(partner, amount, days_ago, refund_of=None):
    when = now - timedelta(days=days_ago)
    qty = -1 if amount < 0 else 1
    o = env["pos.order"].create(
        {
            "session_id": session.id,
            "partner_id": partner.id,
            "date_order": when,
            "refunded_order_id": refund_of.id if refund_of else False,
            "lines": [
                Command.create(
                    {
                        "product_id": product.id,
                        "qty": qty,
                        "price_unit": amount / qty,
                        "price_subtotal": amount,
                        "price_subtotal_incl": amount,
                    }
                )
            ],
            "amount_total": amount,
            "amount_tax": 0,
            "amount_paid": 0,
            "amount_return": 0,
        }
    )
    o.add_payment(
        {
            "pos_order_id": o.id,
            "amount": amount,
            "payment_method_id": method.id,
            "payment_date": when,
        }
    )
    o.action_pos_order_paid()
    return o


alice = env["res.partner"].create({"name": "Existing Alice"})
bob = env["res.partner"].create({"name": "Existing Bob"})
env["res.partner"].create({"name": "Existing Carol"})
order(alice, 100.0, 400)  # outside the 12-month window
order(alice, 250.0, 30)
order(alice, 50.0, 10)
bob_order = order(bob, 80.0, 20)
order(bob, -80.0, 19, refund_of=bob_order)
env.cr.commit()
print("SEEDED", alice.id, bob.id)
