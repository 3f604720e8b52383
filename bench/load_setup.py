"""The load test's shop: tills, desks, a top-up card and popular cards.

``prepare`` runs once on the copy of the benchmark database, before Odoo
starts, and returns the plan the clients of ``bench/load_clients.py`` follow
(ids, logins, products, customers). Every cashier and desk user has her login
as password.
"""

import random
from datetime import datetime, timedelta

import pytz

from bench import load_clients, odoo_env
from bench.generators.core import cash_till

# customers whose cards several tills pay with at once: the plan's first ones
POPULAR = load_clients.POPULAR
POPULAR_BALANCE = 1000.0
STAFF = 6  # staff members the desks book
BOOKING_DAYS = 7


def prepare(db, tills, desks, seed=7):
    from odoo import Command

    rng = random.Random(seed)
    with odoo_env.environment(db, context={"tracking_disable": True}) as env:
        company = env.company
        tz = pytz.timezone(company.partner_id.tz or "UTC")
        Users = env["res.users"].with_context(no_reset_password=True)
        # internal users: the till's own calls need more than the POS group
        pos_user = env.ref("point_of_sale.group_pos_user") | env.ref("base.group_user")
        loop_user = env.ref("five_customer_loop.group_loop_user")
        common = {"company_id": company.id, "company_ids": [Command.set(company.ids)]}

        products = env["product.product"].search(
            [("available_in_pos", "=", True), ("list_price", ">", 0)], order="id"
        )
        card_product = env["product.product"].create(
            {
                "name": "Load Test Top-up Card",
                "type": "service",
                "list_price": 1000.0,
                "available_in_pos": True,
                "taxes_id": [Command.clear()],
            }
        )
        card_type = env["loop.card.type"].create(
            {
                "name": "Load Test Card",
                "kind": "value",
                "price": 1000.0,
                "amount": 1100.0,
                "validity_number": 0,
                "product_id": card_product.id,
                "pos_sale_mode": "top_up",
                "company_id": company.id,
            }
        )
        card_method = env["pos.payment.method"].create(
            {"name": "Prepaid Card", "loop_is_card": True, "company_id": company.id}
        )
        env.cr.execute(
            """SELECT partner_id FROM loop_customer
                WHERE company_id = %s AND active ORDER BY partner_id""",
            [company.id],
        )
        partners = [row[0] for row in env.cr.fetchall()]
        customers = rng.sample(partners, min(2000, len(partners)))
        popular = customers[:POPULAR]
        for partner in env["res.partner"].browse(popular):
            env["loop.card"].issue_card(
                partner,
                card_type,
                {"origin": "load test"},
                amount=POPULAR_BALANCE,
                paid=POPULAR_BALANCE,
            )

        till_plans = []
        for i in range(tills):
            login = f"till_{i + 1:02d}"
            user = Users.create(
                {
                    "name": f"Cashier {i + 1:02d}",
                    "login": login,
                    "password": login,
                    "groups_id": [Command.set(pos_user.ids)],
                    **common,
                }
            )
            config, method, session = cash_till(
                env, f"Till {i + 1:02d}", f"LT{i + 1:02d}", user.id, [card_method.id]
            )
            till_plans.append(
                {
                    "login": login,
                    "user_id": user.id,
                    "session_id": session.id,
                    "cash_id": method.id,
                    "pricelist_id": config.pricelist_id.id or False,
                }
            )
        env.flush_all()
        # opened two hours ago: the offline till's orders fall inside the session
        env.cr.execute(
            """UPDATE pos_session SET state = 'opened',
                      start_at = now() AT TIME ZONE 'UTC' - interval '2 hours'
                WHERE id = ANY(%s)""",
            [[till["session_id"] for till in till_plans]],
        )
        desk_plans = []
        for i in range(desks):
            login = f"desk_{i + 1:02d}"
            Users.create(
                {
                    "name": f"Front Desk {i + 1:02d}",
                    "login": login,
                    "password": login,
                    "groups_id": [Command.set(loop_user.ids)],
                    "tz": tz.zone,
                    **common,
                }
            )
            desk_plans.append({"login": login})
        staff = env["res.users"].search(
            [("login", "like", "bench_staff_%")], order="login", limit=STAFF
        )
        service = products.filtered(lambda p: p.type == "service")[:1] or products[:1]
        service.loop_duration = 1.0
        local_now = datetime.now(pytz.utc).astimezone(tz)
        offset = local_now.utcoffset() / timedelta(hours=1)
        return {
            "company_id": company.id,
            "products": [
                {"id": p.id, "name": p.display_name, "price": p.list_price}
                for p in products
            ],
            "card_product": {
                "id": card_product.id,
                "name": card_product.display_name,
                "price": card_product.list_price,
            },
            "card_type_id": card_type.id,
            "card_method_id": card_method.id,
            "customers": customers,
            "popular": popular,
            "tills": till_plans,
            "desks": desk_plans,
            "staff": staff.ids,
            "service_id": service.id,
            "first_day": local_now.date() + timedelta(days=1),
            "days": BOOKING_DAYS,
            "utc_offset_hours": offset,
        }
