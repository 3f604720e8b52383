"""The demo chain's two stores and their tills (see the main addon's
``demo/loop_demo.py``).

Only called by the post-init hook when the database has demo data, never by
tests. :class:`Till` is the chain's desk with the POS in it: its stores (a
till each, with its cash journal), the stored value of the cards as a payment
method of both, the catalogue in the tills' categories, each customer's Home
Store; the visits are paid POS orders of the customer's Home Store, credited
to the staff member who served them, and the cards are sold and used there.
"""

from odoo import Command

from odoo.addons.five_customer_loop.demo import loop_demo

STORES = (("JA", "静安店"), ("XH", "徐汇店"))
# the tills' categories: (shelf, name)
CATEGORIES = (("service", "美容服务"), ("goods", "护肤产品"), ("card", "办卡充值"))


def load(env):
    """Build the demo chain that the main addon's hook prepared, at its tills
    (the bridge's post-init hook, installed in the same run)."""
    loop_demo.build(env, Till(env))


def attach(env):
    """Give the demo chain that the main addon built at its front desk (the
    POS came later) its two tills: the staff's POS rights, the catalogue at
    the tills, the customers' Home Stores. Its past stays as it was built:
    the visits it did not record are not made up."""
    manager, staff = loop_demo.chain_users(env)
    if not manager:
        return
    till = Till(env)
    till.open(manager, staff)
    Product = env["product.product"]
    for shelf, catalogue in (
        ("service", loop_demo.SERVICES),
        ("goods", loop_demo.GOODS),
    ):
        products = Product.search([("name", "in", [name for name, _p in catalogue])])
        products.write(till.product_values(shelf))
        if shelf == "service":
            # what the till sells became bookable at the install: the chain
            # still books its own services only
            loop_demo.only_bookable(env, products)
    card_types = env["loop.card.type"].search([("product_id", "!=", False)])
    card_types.product_id.write(till.product_values("card"))
    customers = env["res.partner"].search(
        [("loop_user_id", "in", staff.ids)], order="id"
    )
    for number, customer in enumerate(customers, start=1):
        customer.write(till.partner_values(number))
    till.close(customers)


class Till(loop_demo.FrontDesk):
    """The chain's two stores, each with its till: everything the chain sells
    is a paid POS order of the customer's Home Store (the first store for a
    customer without one)."""

    def open(self, manager, staff):
        """The stores, their tills (a cash journal each, and the cards' stored
        value, which needs no journal: the money came in when the card was
        sold) and their categories; the manager manages the tills, the staff
        use them. Each till has a session open (the manager's)."""
        env = self.env
        manager.write(
            {"groups_id": [Command.link(env.ref("point_of_sale.group_pos_manager").id)]}
        )
        staff.write(
            {"groups_id": [Command.link(env.ref("point_of_sale.group_pos_user").id)]}
        )
        Category = env["pos.category"]
        self.categories = {
            shelf: Category.create({"name": name, "sequence": sequence})
            for sequence, (shelf, name) in enumerate(CATEGORIES, start=1)
        }
        categories = Category.union(*self.categories.values())
        self.card_method = env["pos.payment.method"].create(
            {"name": "储值卡", "loop_is_card": True}
        )
        self.stores = env["pos.config"]
        # each store's (open session, cash payment method)
        self.shops = {}
        for code, name in STORES:
            cash = env["account.journal"].create(
                {"name": f"现金 {name}", "type": "cash", "code": f"CS{code}"}
            )
            method = env["pos.payment.method"].create(
                {"name": f"现金 {name}", "journal_id": cash.id}
            )
            config = env["pos.config"].create(
                {
                    "name": name,
                    "payment_method_ids": [
                        Command.set((method | self.card_method).ids)
                    ],
                    "limit_categories": True,
                    "iface_available_categ_ids": [Command.set(categories.ids)],
                }
            )
            self.stores |= config
            session = env["pos.session"].create(
                {"config_id": config.id, "user_id": manager.id}
            )
            self.shops[config] = (session, method)

    def product_values(self, shelf):
        """Sold at the tills, in the shelf's category, without tax."""
        return {
            "available_in_pos": True,
            "pos_categ_ids": [Command.set(self.categories[shelf].ids)],
            "taxes_id": [Command.clear()],
        }

    def partner_values(self, number):
        """The customers' Home Stores take turns."""
        return {"loop_store_id": self.stores[number % len(self.stores)].id}

    def visit(self, partner, product, amount, when, user):
        """One line of ``amount``, paid in cash."""
        _session, cash = self._shop(partner)
        self._order(partner, [(product, amount, {})], [(cash, amount)], when, user)

    def sell_card(self, partner, card_type, when, user):
        """The card's product at its price, paid in cash: the till issues the
        card (see the bridge's ``pos.order``)."""
        _session, cash = self._shop(partner)
        price = card_type.price
        self._order(
            partner, [(card_type.product_id, price, {})], [(cash, price)], when, user
        )
        return self.env["loop.card"].search(
            [("partner_id", "=", partner.id), ("type_id", "=", card_type.id)],
            limit=1,
        )

    def use_card(self, card, product, amount, when, user):
        """A service paid with the card's stored value, or a session of the
        package taken on its line."""
        if card.kind == "value":
            lines = [(product, amount, {})]
            payments = [(self.card_method, amount)]
        else:
            lines = [(product, 0.0, {"loop_card_id": card.id})]
            payments = []
        self._order(card.partner_id, lines, payments, when, user)

    def served(self, partners, since, until):
        """The services of the paid lines credited to a staff member, in the
        order the tills entered them."""
        lines = self.env["pos.order.line"].search(
            [
                ("order_id.partner_id", "in", partners.ids),
                ("order_id.date_order", ">=", since),
                ("order_id.date_order", "<", until),
                ("product_id.loop_bookable", "=", True),
                ("loop_staff_id", "!=", False),
                ("qty", ">", 0),
            ],
            order="id",
        )
        return [
            (
                line.order_id.partner_id,
                line.loop_staff_id,
                line.product_id,
                line.order_id.date_order,
            )
            for line in lines
        ]

    def visits(self, partners, since, until):
        """The orders of ``partners`` paid in the period."""
        orders = self.env["pos.order"].search(
            [
                ("partner_id", "in", partners.ids),
                ("date_order", ">=", since),
                ("date_order", "<", until),
            ],
            order="date_order, id",
        )
        return [(order.partner_id, order.date_order) for order in orders]

    def close(self, customers):
        """The tills load the chain's customers (those with orders first)."""
        self.env["ir.config_parameter"].set_param(
            "point_of_sale.limited_customer_count", len(customers)
        )

    def _shop(self, partner):
        """``(session, cash method)`` of the partner's Home Store (a prospect
        who came once has none yet: the first store)."""
        return self.shops.get(partner.loop_store_id) or next(iter(self.shops.values()))

    def _order(self, partner, lines, payments, when, user):
        """A paid order of ``partner`` at her Home Store's till: ``lines``
        (``(product, amount, extra values)``) and ``payments`` (``(method,
        amount)``) at ``when`` (UTC), its lines credited to ``user``. Its card
        moves carry the store's day of ``when``."""
        env = self.env
        session, _cash = self._shop(partner)
        day = env.company._loop_date(when)
        total = sum(amount for _product, amount, _vals in lines)
        order = (
            env["pos.order"]
            .with_context(loop_today=day, loop_no_refresh=True)
            .create(
                {
                    "session_id": session.id,
                    "partner_id": partner.id,
                    **({"user_id": user.id} if user else {}),
                    "date_order": when,
                    "lines": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "qty": 1,
                                "price_unit": amount,
                                "price_subtotal": amount,
                                "price_subtotal_incl": amount,
                                **({"loop_staff_id": user.id} if user else {}),
                                **vals,
                            }
                        )
                        for product, amount, vals in lines
                    ],
                    "amount_total": total,
                    "amount_tax": 0.0,
                    "amount_paid": 0.0,
                    "amount_return": 0.0,
                }
            )
        )
        for method, amount in payments:
            order.add_payment(
                {
                    "pos_order_id": order.id,
                    "amount": amount,
                    "payment_method_id": method.id,
                    "payment_date": when,
                }
            )
        order.action_pos_order_paid()
        return order
