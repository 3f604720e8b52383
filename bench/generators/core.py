"""The core data set: shops, staff, products, customers, paid POS orders, history.

Small reference data goes through the ORM (it is a few dozen records and must
be exactly what Odoo would create); customers, sessions, orders, lines and
payments go through COPY with reserved ids.
"""

import math
from datetime import timedelta

from odoo import Command

from . import Generator, Profile, poisson, register, text

ORDERS_PER_YEAR = 4.0  # per customer and year of activity (first to last visit)
ORDERS_PER_CUSTOMER = 4.0  # over the whole period: customers come and go (400k at 100k)
LINES_PER_ORDER = 5  # on average: 1 + Poisson(4), capped at 12
TICKET_MEDIAN = 900.0  # median order amount of the median customer
TICKET_SIGMA = 1.0  # log-normal spread of customers' tickets (drives the tiers)
RATE_SIGMA = 0.6  # log-normal spread of customers' visit rates
RATE_TICKET_CORR = 0.4  # big spenders also come a little more often
REFUND_SHARE = 0.015  # orders partly refunded a few days later
PROSPECT_SHARE = 0.03  # customers enrolled in the loop who never paid yet
PINNED_SHARE = 0.005  # customers a manager moved by hand and pinned

SERVICES = [
    ("Deep Cleansing Facial", 380),
    ("Hydrating Facial", 480),
    ("Anti-Ageing Facial", 980),
    ("Acne Treatment", 560),
    ("Whitening Treatment", 880),
    ("Eye Care Treatment", 420),
    ("Neck Care", 360),
    ("Back Massage", 320),
    ("Full Body Massage", 680),
    ("Aromatherapy", 580),
    ("Hot Stone Massage", 720),
    ("Foot Spa", 220),
    ("Scalp Care", 300),
    ("Body Scrub", 400),
    ("Lymphatic Drainage", 760),
    ("Radio Frequency Lifting", 2800),
    ("Hyaluronic Boost", 1880),
    ("Microdermabrasion", 650),
    ("Eyebrow Shaping", 180),
    ("Eyelash Extension", 380),
    ("Manicure", 160),
    ("Pedicure", 200),
    ("Bridal Package", 3600),
    ("Slimming Wrap", 880),
    ("Detox Programme", 1280),
]
RETAIL = [
    ("Hydrating Cream", 260),
    ("Repair Serum", 580),
    ("Sunscreen SPF50", 180),
    ("Cleansing Foam", 120),
    ("Toner", 150),
    ("Eye Cream", 420),
    ("Sheet Mask (box)", 198),
    ("Body Lotion", 168),
    ("Essential Oil", 260),
    ("Collagen Drink (box)", 680),
    ("Night Cream", 460),
    ("Lip Balm", 68),
    ("Hand Cream", 88),
    ("Vitamin C Ampoule", 520),
    ("Gift Set", 1280),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "丽娟敏静秀英华芳玉兰红艳霞燕琳婷雪梅莉萍洁倩颖慧佳欣怡悦晨晓雯璐瑶琪涵蕾嘉宁思彤妍诗梦楠"


def _money(value):
    return f"{value:.2f}"


def cash_till(env, name, code, user_id, extra_methods=(), **config_vals):
    """A till of the current company paid in cash (a cash journal ``code``
    and a payment method of its own, then ``extra_methods``) and its session,
    opened by ``user_id``: ``(config, cash method, session)``."""
    company = env.company
    cash = env["account.journal"].create(
        {"name": f"Cash {name}", "type": "cash", "code": code, "company_id": company.id}
    )
    method = env["pos.payment.method"].create(
        {"name": f"Cash {name}", "journal_id": cash.id, "company_id": company.id}
    )
    config = env["pos.config"].create(
        {
            "name": name,
            "company_id": company.id,
            "payment_method_ids": [Command.set([method.id, *extra_methods])],
            **config_vals,
        }
    )
    session = env["pos.session"].create({"config_id": config.id, "user_id": user_id})
    return config, method, session


@register
class Setup(Generator):
    """Company time zone, products, shops with their sessions, staff, a manager."""

    name = "setup"
    sequence = 10

    def run(self, ctx):
        env = ctx.env
        ctx.company = company = env.company
        company.partner_id.tz = ctx.tz_name
        env.user.tz = ctx.tz_name
        ctx.products = self._products(ctx)
        n_shops = min(20, max(2, round(ctx.customers / 5000)))
        n_staff = min(100, max(2 * n_shops, ctx.customers // 1000))
        staff_group = env.ref("five_customer_loop.group_loop_user")
        manager_group = env.ref("five_customer_loop.group_loop_manager")
        Users = env["res.users"].with_context(
            no_reset_password=True, tracking_disable=True
        )
        common = {
            "company_id": company.id,
            "company_ids": [Command.set(company.ids)],
            "tz": ctx.tz_name,
        }
        staff = Users.create(
            [
                {
                    "name": f"Beautician {i + 1:03d}",
                    "login": f"bench_staff_{i + 1:03d}",
                    "groups_id": [Command.set(staff_group.ids)],
                    **common,
                }
                for i in range(n_staff)
            ]
        )
        ctx.staff = staff.ids
        manager = Users.create(
            {
                "name": "Bench Manager",
                "login": "bench_manager",
                "password": "bench_manager",
                "groups_id": [Command.set(manager_group.ids)],
                **common,
            }
        )
        ctx.manager_id = manager.id
        ctx.shops = [self._shop(ctx, i) for i in range(n_shops)]
        for i, shop in enumerate(ctx.shops):
            shop["staff"] = ctx.staff[i::n_shops]
            shop["weight"] = ctx.rng.uniform(0.5, 1.5)
        self._weekly_sessions(ctx)
        ctx.counts.update(shops=n_shops, staff=n_staff, products=len(ctx.products))

    def _products(self, ctx):
        Product = ctx.env["product.product"]
        vals = [
            {
                "name": name,
                "type": "service" if kind == "service" else "consu",
                "list_price": price,
                "available_in_pos": True,
                "taxes_id": [Command.clear()],
            }
            for kind, items in (("service", SERVICES), ("retail", RETAIL))
            for name, price in items
        ]
        products = Product.create(vals)
        return [{"id": p.id, "name": p.name, "price": p.list_price} for p in products]

    def _shop(self, ctx, i):
        env = ctx.env
        company = ctx.company
        name = f"Store {i + 1:02d}"
        sale = env["account.journal"].create(
            {
                "name": f"Sales {name}",
                "type": "sale",
                "code": f"BS{i + 1:02d}",
                "company_id": company.id,
            }
        )
        # Today's session, open: the benchmark adds "one more day" of orders to it.
        config, method, session = cash_till(
            env,
            name,
            f"BC{i + 1:02d}",
            env.uid,
            journal_id=sale.id,
            invoice_journal_id=sale.id,
        )
        return {
            "index": i,
            "config_id": config.id,
            "name": name,
            "journal_id": sale.id,
            "method_id": method.id,
            "pricelist_id": config.pricelist_id.id or None,
            "open_session_id": session.id,
        }

    def _weekly_sessions(self, ctx):
        """One closed session per shop and week of history (orders are 'done')."""
        ctx.env.flush_all()
        weeks = math.ceil(ctx.days / 7)
        first = ctx.reserve_ids("pos_session", weeks * len(ctx.shops))
        rows = []
        for s, shop in enumerate(ctx.shops):
            shop["first_session"] = first + s * weeks
            for w in range(weeks):
                start = ctx.utc(7 * w, 9 * 60)
                stop = ctx.utc(min(7 * w + 6, ctx.days - 1), 22 * 60)
                user = str(shop["staff"][w % len(shop["staff"])])
                rows.append(
                    (
                        str(first + s * weeks + w),
                        str(shop["config_id"]),
                        user,
                        text(f"{shop['name']}/{ctx.day(7 * w).isoformat()}"),
                        "closed",
                        str(start),
                        str(stop),
                        "1",
                        "0",
                        "f",
                        "1",
                        str(start),
                        "1",
                        str(stop),
                    )
                )
        ctx.copy_rows(
            "pos_session",
            (
                "id",
                "config_id",
                "user_id",
                "name",
                "state",
                "start_at",
                "stop_at",
                "sequence_number",
                "login_number",
                "update_stock_at_closing",
                "create_uid",
                "create_date",
                "write_uid",
                "write_date",
            ),
            rows,
        )
        ctx.counts["sessions"] = len(rows)


@register
class Customers(Generator):
    """N customers with a home store, responsible staff, birthday, channel.

    Each customer also gets a profile: active period, number of orders
    (calibrated to ORDERS_PER_CUSTOMER over the period), a log-normal
    median ticket, favourite products.
    """

    name = "customers"
    sequence = 20

    def run(self, ctx):
        rng = ctx.rng
        n = ctx.customers
        first_id = ctx.reserve_ids("res_partner", n)
        channels = ctx.env["loop.channel"].search([("is_referral", "=", False)]).ids
        weights = [shop["weight"] for shop in ctx.shops]
        n_products = len(ctx.products)
        drafts, expected = [], []
        for k in range(n):
            z = rng.gauss(0.0, 1.0)
            zr = RATE_TICKET_CORR * z + math.sqrt(1 - RATE_TICKET_CORR**2) * rng.gauss(
                0.0, 1.0
            )
            ticket = TICKET_MEDIAN * math.exp(TICKET_SIGMA * z)
            rate = ORDERS_PER_YEAR * 0.85 * math.exp(RATE_SIGMA * zr)
            # a third were already customers when the period starts; 60% are still coming
            first = 0 if rng.random() < 0.35 else rng.randrange(ctx.days)
            last = (
                ctx.days - 1 if rng.random() < 0.6 else rng.randint(first, ctx.days - 1)
            )
            prospect = rng.random() < PROSPECT_SHARE
            drafts.append((k, ticket, first, last, prospect))
            expected.append(0.0 if prospect else rate * (last - first + 1) / 365.0)
        # Calibrate so the data set holds ORDERS_PER_CUSTOMER orders per customer.
        factor = ORDERS_PER_CUSTOMER * n / max(sum(expected), 1.0)
        rows = []
        for (k, ticket, first, last, prospect), exp_orders in zip(
            drafts, expected, strict=True
        ):
            pid = first_id + k
            shop = rng.choices(range(len(ctx.shops)), weights)[0]
            orders = 0 if prospect else max(1, poisson(rng, factor * exp_orders))
            visit_days = sorted(rng.randint(first, last) for _ in range(orders))
            profile = Profile(
                partner_id=pid,
                shop=shop,
                staff_id=rng.choice(ctx.shops[shop]["staff"]),
                first_day=visit_days[0] if visit_days else first,
                last_day=visit_days[-1] if visit_days else first,
                orders=orders,
                ticket=ticket,
                favourites=tuple(rng.sample(range(n_products), 3)),
                visit_days=visit_days,
            )
            ctx.partner_ids.append(pid)
            ctx.profiles.append(profile)
            rows.append(self._row(ctx, profile, channels))
        fast = ctx.skip_fk_checks()
        ctx.copy_rows("res_partner", self.COLUMNS, rows)
        if fast:
            ctx.check_references(("res_partner",))
        ctx.counts["customers"] = n
        ctx.counts["prospects"] = sum(1 for p in ctx.profiles if not p.orders)

    COLUMNS = (
        "id",
        "name",
        "complete_name",
        "commercial_partner_id",
        "lang",
        "tz",
        "type",
        "active",
        "is_company",
        "partner_share",
        "color",
        "customer_rank",
        "supplier_rank",
        "invoice_warn",
        "picking_warn",
        "autopost_bills",
        "message_bounce",
        "phone",
        "loop_gender",
        "loop_birthday",
        "loop_user_id",
        "loop_store_id",
        "loop_channel_id",
        "create_uid",
        "create_date",
        "write_uid",
        "write_date",
    )

    def _row(self, ctx, profile, channels):
        rng = ctx.rng
        name = rng.choice(SURNAMES) + "".join(
            rng.choices(GIVEN, k=rng.choice((1, 2, 2)))
        )
        age = max(18, min(75, round(rng.gauss(36, 10))))
        birthday = ctx.today.replace(
            year=ctx.today.year - age, month=1, day=1
        ) + timedelta(days=rng.randrange(365))
        created = str(ctx.utc(profile.first_day, 9 * 60))
        return (
            str(profile.partner_id),
            name,
            name,
            str(profile.partner_id),
            "en_US",
            ctx.tz_name,
            "contact",
            "t",
            "f",
            "t",
            "0",
            "1",
            "0",
            "no-message",
            "no-message",
            "ask",
            "0",
            f"13{rng.randrange(10**9):09d}",
            "female" if rng.random() < 0.85 else "male",
            birthday.isoformat(),
            str(profile.staff_id),
            str(ctx.shops[profile.shop]["config_id"]),
            str(rng.choice(channels)),
            "1",
            created,
            "1",
            created,
        )


@register
class Orders(Generator):
    """Paid POS orders with lines and payments, inserted in date order.

    Orders are written in the order they happened, like a real till, so a
    customer's orders are spread over the whole table (no flattering
    clustering by customer). A small share is partly refunded a few days
    later (negative order referencing the refunded line).
    """

    name = "orders"
    sequence = 30

    def run(self, ctx):
        rng = ctx.rng
        n_shops = len(ctx.shops)
        headers = []  # (utc datetime, profile index, shop, amount, n lines, refund_of, day)
        for idx, profile in enumerate(ctx.profiles):
            for day in profile.visit_days:
                shop = profile.shop if rng.random() < 0.85 else rng.randrange(n_shops)
                when = ctx.utc(day, rng.randint(10 * 60, 21 * 60))
                amount = profile.ticket * math.exp(rng.gauss(0.0, 0.35))
                lines = 1 + min(poisson(rng, LINES_PER_ORDER - 1), 11)
                headers.append((when, idx, shop, amount, lines, None, day))
                if lines >= 2 and rng.random() < REFUND_SHARE:
                    later = day + rng.randint(1, 14)
                    if later < ctx.days:
                        when = ctx.utc(later, rng.randint(10 * 60, 21 * 60))
                        headers.append(
                            (when, idx, shop, None, 1, len(headers) - 1, later)
                        )
        order_index = sorted(range(len(headers)), key=lambda h: headers[h][0])
        n_orders = len(headers)
        n_lines = sum(h[4] for h in headers)
        first_order = ctx.reserve_ids("pos_order", n_orders)
        first_line = ctx.reserve_ids("pos_order_line", n_lines)
        first_payment = ctx.reserve_ids("pos_payment", n_orders)
        refunded = {h[5] for h in headers if h[5] is not None}
        refundable = {}  # header index -> (line id, product index, qty, price_unit)
        seq_by_session = {}
        company = str(ctx.company.id)
        fast = ctx.skip_fk_checks()
        orders_w = ctx.writer("pos_order", self.ORDER_COLUMNS)
        lines_w = ctx.writer("pos_order_line", self.LINE_COLUMNS, after=(orders_w,))
        payments_w = ctx.writer("pos_payment", self.PAYMENT_COLUMNS, after=(orders_w,))
        line_id = first_line
        products = ctx.products
        n_products = len(products)
        for position, h in enumerate(order_index):
            when, idx, shop_idx, amount, n, refund_of, day = headers[h]
            profile = ctx.profiles[idx]
            shop = ctx.shops[shop_idx]
            order_id = first_order + position
            session = shop["first_session"] + day // 7
            seq = seq_by_session[session] = seq_by_session.get(session, 0) + 1
            name = f"{shop['name']}/{session % 100000:05d}-{seq:04d}"
            stamp = str(when)
            line_rows = []
            if refund_of is None:
                picks = [
                    profile.favourites[rng.randrange(3)]
                    if rng.random() < 0.7
                    else rng.randrange(n_products)
                    for _ in range(n)
                ]
                qtys = [
                    1 if rng.random() < 0.85 else rng.randint(2, 3) for _ in range(n)
                ]
                base = sum(
                    products[p]["price"] * q for p, q in zip(picks, qtys, strict=True)
                )
                factor = amount / base
                subtotals = [
                    round(products[p]["price"] * q * factor, 2)
                    for p, q in zip(picks, qtys, strict=True)
                ]
                total = round(sum(subtotals), 2)
                for i, (p, q, sub) in enumerate(
                    zip(picks, qtys, subtotals, strict=True)
                ):
                    if i == 0 and h in refunded:
                        refundable[h] = (line_id, p, q, sub)
                    line_rows.append(
                        self._line(
                            line_id,
                            order_id,
                            products[p],
                            q,
                            sub,
                            name,
                            company,
                            stamp,
                            None,
                        )
                    )
                    line_id += 1
            else:
                orig_line, p, q, sub = refundable[refund_of]
                total = -sub
                line_rows.append(
                    self._line(
                        line_id,
                        order_id,
                        products[p],
                        -q,
                        -sub,
                        name,
                        company,
                        stamp,
                        orig_line,
                    )
                )
                line_id += 1
            money = _money(total)
            orders_w.add(
                (
                    str(order_id),
                    name,
                    f"Order {session:05d}-{shop_idx + 1:03d}-{seq:04d}",
                    str(seq),
                    str(session),
                    str(shop["config_id"]),
                    str(shop["journal_id"]),
                    company,
                    str(profile.partner_id),
                    str(rng.choice(shop["staff"])),
                    stamp,
                    "done",
                    money,
                    "0.00",
                    money,
                    "0.00",
                    "1.0",
                    None if shop["pricelist_id"] is None else str(shop["pricelist_id"]),
                    "0",
                    "1",
                    stamp,
                    "1",
                    stamp,
                )
            )
            for row in line_rows:
                lines_w.add(row)
            payments_w.add(
                (
                    str(first_payment + position),
                    str(order_id),
                    str(shop["method_id"]),
                    str(session),
                    company,
                    money,
                    stamp,
                    "f",
                    "1",
                    stamp,
                    "1",
                    stamp,
                )
            )
        for w in (orders_w, lines_w, payments_w):
            w.close()
            ctx.timings[f"copy_{w.table}"] = w.seconds
        assert line_id == first_line + n_lines
        if fast:
            ctx.check_references(("pos_order", "pos_order_line", "pos_payment"))
        ctx.counts.update(orders=n_orders, order_lines=n_lines, refunds=len(refunded))

    @staticmethod
    def _line(
        line_id, order_id, product, qty, subtotal, name, company, stamp, refunded_line
    ):
        sub = _money(subtotal)
        return (
            str(line_id),
            str(order_id),
            str(product["id"]),
            company,
            name,
            text(product["name"]),
            f"{qty:g}",
            repr(round(subtotal / qty, 4)),
            sub,
            sub,
            "0",
            "original",
            "f",
            None if refunded_line is None else str(refunded_line),
            "1",
            stamp,
            "1",
            stamp,
        )

    ORDER_COLUMNS = (
        "id",
        "name",
        "pos_reference",
        "sequence_number",
        "session_id",
        "config_id",
        "sale_journal",
        "company_id",
        "partner_id",
        "user_id",
        "date_order",
        "state",
        "amount_total",
        "amount_tax",
        "amount_paid",
        "amount_return",
        "currency_rate",
        "pricelist_id",
        "nb_print",
        "create_uid",
        "create_date",
        "write_uid",
        "write_date",
    )
    LINE_COLUMNS = (
        "id",
        "order_id",
        "product_id",
        "company_id",
        "name",
        "full_product_name",
        "qty",
        "price_unit",
        "price_subtotal",
        "price_subtotal_incl",
        "discount",
        "price_type",
        "is_edited",
        "refunded_orderline_id",
        "create_uid",
        "create_date",
        "write_uid",
        "write_date",
    )
    PAYMENT_COLUMNS = (
        "id",
        "pos_order_id",
        "payment_method_id",
        "session_id",
        "company_id",
        "amount",
        "payment_date",
        "is_change",
        "create_uid",
        "create_date",
        "write_uid",
        "write_date",
    )


@register
class History(Generator):
    """Past stage and tier history, as the nightly runs would have left it.

    Stages: Attract from the first visit, Retain from the second, Lock-in from
    the sixth visit when it came within a year of the first; the last row
    stays open and the partner sits in that stage (prospects sit in Attract).
    Tiers: the tier of the spend of the year before the last one, recorded a
    year ago, so that the first recompute writes real upgrades and
    downgrades. A few customers were moved by hand and pinned.
    """

    name = "history"
    sequence = 50

    def run(self, ctx):
        cr = ctx.cr
        company = ctx.company
        stages = {s.code: s.id for s in ctx.env["loop.stage"].search([])}
        ctx.env.flush_all()
        year_ago = ctx.today - timedelta(days=365)
        cr.execute(
            """
            CREATE TEMP TABLE bench_visits ON COMMIT DROP AS
            SELECT partner_id, day, row_number() OVER (PARTITION BY partner_id ORDER BY day) AS n
              FROM (SELECT DISTINCT o.partner_id,
                           (o.date_order AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date AS day
                      FROM pos_order o
                     WHERE o.company_id = %(company)s AND o.amount_total > 0
                       AND o.partner_id = ANY(%(ids)s)) d;
            CREATE TEMP TABLE bench_path ON COMMIT DROP AS
            SELECT partner_id,
                   MIN(day) FILTER (WHERE n = 1) AS d1,
                   MIN(day) FILTER (WHERE n = 2) AS d2,
                   MIN(day) FILTER (WHERE n = 6) AS d6
              FROM bench_visits GROUP BY partner_id;
            UPDATE bench_path SET d6 = NULL WHERE d6 > d1 + 365;
            """,
            {"tz": ctx.tz_name, "company": company.id, "ids": ctx.partner_ids},
        )
        cr.execute(
            """
            INSERT INTO loop_stage_history
                   (partner_id, company_id, stage_from_id, stage_to_id, date, date_end, kind,
                    reason, create_uid, create_date, write_uid, write_date)
            SELECT partner_id, %(company)s, from_id, to_id, date, date_end, 'auto', NULL,
                   1, date, 1, date
              FROM (
                SELECT partner_id, NULL::int AS from_id, %(attract)s AS to_id,
                       d1 + time '20:00' AS date, COALESCE(d2, d6) + time '20:00' AS date_end
                  FROM bench_path
                UNION ALL
                SELECT partner_id, %(attract)s, %(retain)s, d2 + time '20:00', d6 + time '20:00'
                  FROM bench_path WHERE d2 IS NOT NULL
                UNION ALL
                SELECT partner_id, %(retain)s, %(lockin)s, d6 + time '20:00', NULL
                  FROM bench_path WHERE d6 IS NOT NULL
                UNION ALL
                SELECT p.id, NULL, %(attract)s, p.create_date, NULL
                  FROM res_partner p
                 WHERE p.id = ANY(%(ids)s)
                   AND NOT EXISTS (SELECT 1 FROM bench_path b WHERE b.partner_id = p.id)
              ) h
            """,
            {
                "company": company.id,
                "attract": stages["attract"],
                "retain": stages["retain"],
                "lockin": stages["lockin"],
                "ids": ctx.partner_ids,
            },
        )
        stage_rows = cr.rowcount
        # Pinned by hand: close the open row a month ago, open a manual one.
        rng = ctx.rng
        pinned = sorted(
            rng.sample(ctx.partner_ids, max(1, round(PINNED_SHARE * ctx.customers)))
        )
        pin_date = f"{ctx.today - timedelta(days=30)} 10:00:00"
        cr.execute(
            """
            WITH closed AS (
                UPDATE loop_stage_history SET date_end = %(date)s
                 WHERE partner_id = ANY(%(ids)s) AND date_end IS NULL
             RETURNING partner_id, stage_to_id
            )
            INSERT INTO loop_stage_history
                   (partner_id, company_id, stage_from_id, stage_to_id, date, kind, reason,
                    user_id, create_uid, create_date, write_uid, write_date)
            SELECT partner_id, %(company)s, stage_to_id,
                   CASE WHEN partner_id %% 2 = 0 THEN %(expand)s ELSE %(upgrade)s END,
                   %(date)s, 'manual', 'Benchmark: moved by hand', %(manager)s,
                   %(manager)s, %(date)s, %(manager)s, %(date)s
              FROM closed
            """,
            {
                "ids": pinned,
                "date": pin_date,
                "company": company.id,
                "expand": stages["expand"],
                "upgrade": stages["upgrade"],
                "manager": ctx.manager_id,
            },
        )
        # The partners sit in their open row's stage: their row of the
        # company's loop (loop.customer, the figures' one home).
        cr.execute(
            """
            INSERT INTO loop_customer AS m
                   (partner_id, company_id, name, active, user_id,
                    stage_id, stage_date, stage_pinned,
                    create_uid, create_date, write_uid, write_date)
            SELECT p.id, %(company)s, p.complete_name, p.active, p.loop_user_id,
                   h.stage_to_id, h.date, CASE WHEN h.kind = 'manual' THEN true END,
                   1, h.date, 1, h.date
              FROM loop_stage_history h
              JOIN res_partner p ON p.id = h.partner_id
             WHERE h.date_end IS NULL AND h.company_id = %(company)s
            ON CONFLICT (partner_id, company_id) DO UPDATE
               SET stage_id = EXCLUDED.stage_id, stage_date = EXCLUDED.stage_date,
                   stage_pinned = EXCLUDED.stage_pinned
            """,
            {"company": company.id},
        )
        # Tier of the year before last, recorded a year ago.
        tiers = ctx.env["loop.tier"]._tier_bands(company)
        tier_case = " ".join(
            f"WHEN spend >= {minimum} THEN {tier_id}"
            for tier_id, minimum in sorted(tiers, key=lambda t: -t[1])
        )
        cr.execute(
            f"""
            WITH spend AS (
                SELECT o.partner_id, SUM(o.amount_total) AS spend
                  FROM pos_order o
                 WHERE o.company_id = %(company)s AND o.partner_id = ANY(%(ids)s)
                   AND (o.date_order AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date < %(year_ago)s
                 GROUP BY o.partner_id
            ), tiered AS (
                SELECT partner_id, spend, CASE {tier_case} END AS tier_id FROM spend
            ), inserted AS (
                INSERT INTO loop_tier_history
                       (partner_id, company_id, tier_to_id, date, direction, spend_12m,
                        create_uid, create_date, write_uid, write_date)
                SELECT partner_id, %(company)s, tier_id, %(date)s, 'new', spend,
                       1, %(date)s, 1, %(date)s
                  FROM tiered WHERE tier_id IS NOT NULL
             RETURNING partner_id, tier_to_id
            )
            INSERT INTO loop_customer AS m
                   (partner_id, company_id, name, active, user_id, tier_id,
                    create_uid, create_date, write_uid, write_date)
            SELECT p.id, %(company)s, p.complete_name, p.active, p.loop_user_id,
                   i.tier_to_id, 1, %(date)s, 1, %(date)s
              FROM inserted i JOIN res_partner p ON p.id = i.partner_id
            ON CONFLICT (partner_id, company_id) DO UPDATE SET tier_id = EXCLUDED.tier_id
            """,
            {
                "company": company.id,
                "ids": ctx.partner_ids,
                "tz": ctx.tz_name,
                "year_ago": year_ago,
                "date": f"{year_ago} 20:00:00",
            },
        )
        ctx.counts.update(
            stage_history_seed=stage_rows,
            tier_history_seed=cr.rowcount,
            pinned=len(pinned),
        )
        ctx.env.invalidate_all()
