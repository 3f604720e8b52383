"""Demo data of a small beauty chain, generated deterministically.

Only called by the post-init hook when the database has demo data, never by
tests: two stores, a manager and six staff, about 60 customers spread over
every tier, segment and stage, up to 18 months of paid POS orders (about a
visit a month), cards sold over the past year, booked visits, then one full
recompute.
"""

import base64
import random
from datetime import datetime, time, timedelta

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tools.misc import file_open

from ..lib import campaign_stats

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
    "彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金"
    "石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤"
)
GIVEN = "丽娜静敏燕艳娟霞芳婷雪琳晶颖洁蓉玲倩慧佳欣怡雯璐萍瑶琪"

# (profile, count, visits over 18 months, ticket, last visit days ago)
PROFILES = [
    ("key", 3, (24, 30), (5500, 8000), (2, 20)),
    ("a", 4, (16, 22), (2800, 4000), (3, 25)),
    ("b", 6, (12, 18), (1800, 2800), (5, 30)),
    ("c", 10, (8, 14), (900, 1600), (5, 40)),
    ("d", 8, (5, 9), (700, 1100), (10, 50)),
    ("e_loyal", 8, (6, 10), (150, 300), (3, 30)),
    # newcomers of the whole year, some never back: return rates below 100 %
    ("e_new", 8, (1, 1), (100, 400), (2, 330)),
    ("e_retain", 6, (2, 3), (200, 500), (5, 45)),
    ("at_risk", 5, (4, 8), (300, 800), (75, 150)),
    ("lost", 4, (2, 6), (300, 900), (200, 400)),
]


def load(env):
    """Build the demo chain in ``env.company`` (called by the post-init hook)."""
    rng = random.Random(5)
    company = env.company
    started = fields.Datetime.now()
    company.partner_id.tz = company.partner_id.tz or "Asia/Shanghai"
    # the demo is a Shanghai beauty chain with two stores
    if company == env.ref("base.main_company", raise_if_not_found=False):
        # its receipts and reports carry the chain's own details and logo
        with file_open("five_customer_loop/static/description/icon.png", "rb") as logo:
            company.write(
                {
                    "name": "悦颜美容连锁",
                    "street": "南京西路 1266 号",
                    "city": "上海",
                    "zip": "200040",
                    "country_id": env.ref("base.cn").id,
                    "phone": "+86 21 6288 8888",
                    "email": "service@beauty-chain.example.com",
                    "website": "https://beauty-chain.example.com",
                    "logo": base64.b64encode(logo.read()),
                }
            )
    user_group = env.ref("five_customer_loop.group_loop_user")
    manager_group = env.ref("five_customer_loop.group_loop_manager")
    pos_user = env.ref("point_of_sale.group_pos_user")
    lang = "zh_CN" if env["res.lang"]._lang_get("zh_CN") else "en_US"
    Users = env["res.users"].with_context(no_reset_password=True)
    manager = Users.create(
        {
            "name": "周店长",
            "login": "manager",
            "password": "manager",
            # opening a till posts a message in the session's chatter
            "email": "manager@beauty-chain.example.com",
            "lang": lang,
            "tz": "Asia/Shanghai",
            "groups_id": [
                Command.link(manager_group.id),
                Command.link(env.ref("point_of_sale.group_pos_manager").id),
            ],
        }
    )
    staff = Users
    for n, name in enumerate(
        ["林美容", "陈雅婷", "王晓丽", "张静怡", "刘思琪", "黄佳慧"]
    ):
        staff |= Users.create(
            {
                "name": name,
                "login": f"staff{n + 1}",
                "password": f"staff{n + 1}",
                "email": f"staff{n + 1}@beauty-chain.example.com",
                "lang": lang,
                "tz": "Asia/Shanghai",
                "groups_id": [
                    Command.link(user_group.id),
                    Command.link(pos_user.id),
                ],
            }
        )
    # the chain's catalogue: services, care products and cards, and nothing
    # else at its tills (the database's other demo products stay out)
    Category = env["pos.category"]
    service_categ = Category.create({"name": "美容服务", "sequence": 1})
    goods_categ = Category.create({"name": "护肤产品", "sequence": 2})
    card_categ = Category.create({"name": "办卡充值", "sequence": 3})
    stores = env["pos.config"]
    sessions, methods = [], []
    # the stored value of the customers' cards pays at both tills (no journal:
    # the money came in when the card was sold)
    card_method = env["pos.payment.method"].create(
        {"name": "储值卡", "loop_is_card": True}
    )
    for code, name in (("JA", "静安店"), ("XH", "徐汇店")):
        cash = env["account.journal"].create(
            {"name": f"现金 {name}", "type": "cash", "code": f"CS{code}"}
        )
        method = env["pos.payment.method"].create(
            {"name": f"现金 {name}", "journal_id": cash.id}
        )
        config = env["pos.config"].create(
            {
                "name": name,
                "payment_method_ids": [Command.set((method | card_method).ids)],
                "limit_categories": True,
                "iface_available_categ_ids": [
                    Command.set((service_categ | goods_categ | card_categ).ids)
                ],
            }
        )
        stores |= config
        methods.append(method)
        sessions.append(
            env["pos.session"].create({"config_id": config.id, "user_id": manager.id})
        )
    Product = env["product.product"]
    services = Product
    for name, price in [
        ("面部深层护理", 680),
        ("肩颈舒缓按摩", 398),
        ("美白焕肤疗程", 1280),
        ("眼部护理", 468),
        ("身体SPA", 888),
    ]:
        services |= _till_product(env, name, price, service_categ, loop_bookable=True)
    # the database's other demo services (Odoo's furniture shop at its own
    # till) are not the chain's: they stay out of its bookings
    env["product.template"].search(
        [("loop_bookable", "=", True), ("id", "not in", services.product_tmpl_id.ids)]
    ).loop_bookable = False
    goods = Product
    for name, price in [
        ("玻尿酸保湿精华", 520),
        ("修护面霜", 360),
        ("防晒乳", 198),
    ]:
        goods |= _till_product(env, name, price, goods_categ, type="consu")
    channels = env["loop.channel"].search([])
    Partner = env["res.partner"]
    now = fields.Datetime.now()
    customers = Partner
    counter = 0
    for _profile, count, visits, ticket, last in PROFILES:
        for _i in range(count):
            counter += 1
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            birthday = fields.Date.today() - timedelta(
                days=rng.randint(20 * 365, 55 * 365)
            )
            partner = Partner.create(
                {
                    "name": name,
                    "phone": "+86 138 " + str(rng.randint(10000000, 99999999)),
                    "loop_birthday": birthday,
                    "loop_gender": "female" if rng.random() < 0.85 else "male",
                    "loop_skin_type": rng.choice(
                        ["normal", "dry", "oily", "combination", "sensitive"]
                    ),
                    "loop_preferences": rng.choice(
                        [
                            "喜欢玫瑰花茶，枕头偏低",
                            "怕冷，室温调高",
                            "喜欢安静，不爱聊天",
                            "偏爱柑橘香薰",
                        ]
                    ),
                    "loop_channel_id": rng.choice(channels).id,
                    "loop_user_id": staff[counter % len(staff)].id,
                    "loop_store_id": stores[counter % 2].id,
                    # one customer in three celebrates the lunar birthday
                    **(
                        {
                            "loop_lunar_month": str(counter % 12 + 1),
                            "loop_lunar_day": str(counter * 7 % 29 + 1),
                        }
                        if counter % 3 == 0
                        else {}
                    ),
                }
            )
            customers |= partner
            n_visits = rng.randint(*visits)
            last_day = now - timedelta(days=rng.randint(*last))
            # about a visit a month (a fortnight for the best customers), over
            # up to 18 months
            span = min(540, max(n_visits * 30, 30))
            # the visits spread over the span, the last one on its last day
            days = sorted(rng.sample(range(span), n_visits - 1)) + [span]
            for offset in days:
                when = datetime.combine(
                    (last_day - timedelta(days=span - offset)).date(),
                    time(rng.randint(2, 11)),
                )
                if when > now:
                    continue
                product = (
                    rng.choice(services) if rng.random() < 0.8 else rng.choice(goods)
                )
                # mostly the customer's own beautician, sometimes another one
                served_by = (
                    staff[counter % len(staff)]
                    if rng.random() < 0.75
                    else rng.choice(staff)
                )
                _order(
                    env,
                    sessions[counter % 2],
                    methods[counter % 2],
                    partner,
                    product,
                    round(rng.uniform(*ticket), -1),
                    when,
                    user=served_by,
                )
    # referrals: loyal customers brought some of the newcomers
    referrers = customers[:20]
    newcomers = customers[-30:]
    referral = env.ref("five_customer_loop.channel_referral")
    for n, partner in enumerate(newcomers[:12]):
        partner.write(
            {
                "loop_referred_by_id": referrers[n % len(referrers)].id,
                "loop_channel_id": referral.id,
            }
        )
    shops = {
        store: (session, method, card_method)
        for store, session, method in zip(stores, sessions, methods, strict=True)
    }
    _occasion_campaigns(env)
    _cards_and_care(env, rng, customers, services, staff, card_categ, shops)
    _past_bookings(env, rng, customers)
    _bookings(env, customers, services, staff)
    _prospects(env, rng, referrers, sessions[0], methods[0], services, staff[0])
    _prebookings(env, rng, customers, services, staff)
    _forget_passing_stages(env, started)
    # the tills load the chain's customers (those with orders come first)
    env["ir.config_parameter"].set_param(
        "point_of_sale.limited_customer_count", len(customers)
    )
    env["loop.engine"].run_all()
    # a finished win-back campaign and the visits it brought (then the figures
    # again, with those visits)
    _campaign(env, rng, shops, services)
    env["loop.engine"].run_all()
    # the last 12 months' retention snapshots, as the monthly job keeps them
    env["loop.retention.snapshot"]._cron_monthly_snapshot()
    env["loop.channel.conversion"]._rebuild(company)
    env["loop.return.rate"]._rebuild(company)
    # the coming days' birthdays, as the nightly job hands them over
    env["loop.occasion"]._cron_birthdays()


def _occasion_campaigns(env):
    """The chain runs the loop's calls as campaigns: win-back, birthday
    wishes, follow-ups after a service (each measured against its holdout)."""
    for kind in ("win_back", "birthday", "follow_up"):
        campaign = env.ref(f"five_customer_loop.loop_campaign_{kind}")
        campaign.active = True
        campaign.action_start()


def _till_product(env, name, price, categ, **vals):
    """A product of the chain's till, in its POS category ``categ`` (no tax)."""
    return env["product.product"].create(
        {
            "name": name,
            "type": "service",
            "list_price": price,
            "available_in_pos": True,
            "pos_categ_ids": [Command.set(categ.ids)],
            "taxes_id": [Command.clear()],
            **vals,
        }
    )


def _forget_passing_stages(env, started):
    """Forget the stages and tiers the build's own refreshes recorded.

    Cards, bookings and referrals refreshed their customers while the build
    was still entering orders: the history holds passing stages of a few
    seconds. The final recompute enters each customer once, and the post-init
    hook reconstructs what came before from the orders, as on a store's
    install. Rows moved into the past on purpose (the converted prospect's
    entry) stay.
    """
    env.flush_all()
    env.cr.execute(
        """DELETE FROM loop_stage_history WHERE date >= %(started)s;
           DELETE FROM loop_tier_history WHERE date >= %(started)s;
           UPDATE loop_customer m SET stage_id = NULL, stage_date = NULL
            WHERE NOT EXISTS (SELECT 1 FROM loop_stage_history h
                               WHERE h.partner_id = m.partner_id
                                 AND h.company_id = m.company_id);
           UPDATE loop_customer m SET tier_id = NULL
            WHERE NOT EXISTS (SELECT 1 FROM loop_tier_history h
                               WHERE h.partner_id = m.partner_id
                                 AND h.company_id = m.company_id)""",
        {"started": started},
    )
    env.invalidate_all()


def _prebookings(env, rng, customers, services, staff):
    """反预约: about a third of last month's visits booked their next visit that day.

    Each staff member takes at most one of these bookings a day, two to three
    weeks ahead, so they never overlap the other demo bookings.
    """
    today = env.company._loop_today()
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    orders = env["pos.order"].search(
        [
            ("partner_id", "in", customers.ids),
            ("date_order", ">=", fields.Datetime.to_datetime(first)),
            ("date_order", "<", fields.Datetime.to_datetime(today.replace(day=1))),
        ],
        order="date_order, id",
    )
    Event = env["calendar.event"].with_context(loop_no_rebook=True)
    now = fields.Datetime.now().replace(minute=0, second=0, microsecond=0)
    for n, order in enumerate(o for o in orders if rng.random() < 0.35):
        member = staff[n % len(staff)]
        Event.create(
            {
                "loop_partner_id": order.partner_id.id,
                "loop_staff_id": member.id,
                "loop_service_ids": [Command.set(services[n % 3].ids)],
                # 03:00 UTC is 11:00 in Shanghai
                "start": now.replace(hour=3) + timedelta(days=14 + n // len(staff)),
                "loop_booked_on": order.date_order,
            }
        )


def _prospects(env, rng, referrers, session, method, services, beautician):
    """People reached who have not come yet, and what the channels cost.

    Enquiries from social media and an event, and friends referred by regulars:
    prospects in Attract. The channels' costs of the last three months give
    the Attract conversion report its cost per first visit.
    """
    social = env.ref("five_customer_loop.channel_social_media")
    event = env.ref("five_customer_loop.channel_event")
    for n, name in enumerate(("林晓雨", "陈思琪", "赵一诺", "周可欣", "吴雨桐")):
        env["res.partner"].create(
            {
                "name": name,
                "phone": "+86 139 " + str(rng.randint(10000000, 99999999)),
                "loop_channel_id": (social if n % 2 else event).id,
                **({"loop_referred_by_id": referrers[n].id} if n == 4 else {}),
            }
        )
    # one of them enquired twelve days ago and came today: a prospect converted
    # this month (her entry into the loop moved back to the day she enquired)
    converted = env["res.partner"].search([("name", "=", "周可欣")], limit=1)
    env.flush_all()
    env.cr.execute(
        """UPDATE loop_stage_history SET date = date - interval '12 days'
            WHERE partner_id = %s""",
        [converted.id],
    )
    env["loop.stage.history"].invalidate_model(["date"])
    _order(
        env,
        session,
        method,
        converted,
        services[0],
        680.0,
        fields.Datetime.now() - timedelta(minutes=30),
        user=beautician,
    )
    today = env.company._loop_today()
    for months_ago, (social_cost, event_cost) in enumerate(
        ((3000, 0), (2500, 8000), (2800, 0)), start=1
    ):
        month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        for _step in range(months_ago - 1):
            month = (month - timedelta(days=1)).replace(day=1)
        for channel, amount in ((social, social_cost), (event, event_cost)):
            if amount:
                env["loop.channel.cost"].create(
                    {"channel_id": channel.id, "month": month, "amount": amount}
                )


def _cards_and_care(env, rng, customers, services, staff, card_categ, shops):
    """Prepaid cards with ledger history, care records and feedback.

    Each card type is sold at both tills (its "Sold As" product, in the
    till's card category).
    """
    CardType = env["loop.card.type"]
    gold = CardType.create(
        {
            "name": "金卡 储值 10000送1000",
            "kind": "value",
            # sold again to a holder, it tops her card up
            "pos_sale_mode": "top_up",
            "price": 10000.0,
            "amount": 11000.0,
            "validity_number": 12,
            "validity_unit": "months",
        }
    )
    silver = CardType.create(
        {
            "name": "银卡 储值 3000送200",
            "kind": "value",
            "pos_sale_mode": "top_up",
            "price": 3000.0,
            "amount": 3200.0,
            "validity_number": 12,
            "validity_unit": "months",
        }
    )
    package = CardType.create(
        {
            "name": "面部护理 10次疗程卡",
            "kind": "session",
            "price": 5800.0,
            "validity_number": 6,
            "validity_unit": "months",
            "line_ids": [
                Command.create({"product_id": services[0].id, "sessions": 10})
            ],
        }
    )
    for card_type in gold | silver | package:
        card_type.product_id = _till_product(
            env, card_type.name, card_type.price, card_categ
        )
    _card_sales(env, rng, customers[:24], (gold, silver, package), services, shops)
    Care = env["loop.care.record"]
    now = fields.Datetime.now()
    notes = [
        "皮肤偏干，建议加强补水",
        "肩颈紧张，力度适中",
        "状态很好，继续保持",
        "眼周细纹，推荐眼部护理",
    ]
    for n, partner in enumerate(customers[:40]):
        Care.create(
            {
                "partner_id": partner.id,
                "product_id": services[n % len(services)].id,
                "user_id": staff[n % len(staff)].id,
                "date": now - timedelta(days=rng.randint(1, 60), hours=2),
                "condition_before": notes[n % len(notes)],
                "satisfaction": str(rng.choice([4, 5, 5, 3])),
                "state": "done",
            }
        )
    Feedback = env["loop.feedback"]
    for n, (kind, subject) in enumerate(
        [
            ("complaint", "等候时间太长"),
            ("suggestion", "希望增加周末晚间时段"),
            ("praise", "美容师非常专业"),
            ("complaint", "产品价格偏高"),
            ("praise", "环境舒适安静"),
        ]
    ):
        Feedback.create(
            {
                "name": subject,
                "kind": kind,
                "partner_id": customers[n * 3].id,
                "satisfaction": str(2 if kind == "complaint" else 5),
                "staff_user_id": staff[n % len(staff)].id,
            }
        )


def _bookings(env, customers, services, staff):
    """Bookings: done ones last week, booked and confirmed ones next week."""
    Event = env["calendar.event"].with_context(loop_no_rebook=True)
    today = fields.Datetime.now().replace(minute=0, second=0, microsecond=0)
    for n, partner in enumerate(customers[:18]):
        member = staff[n % len(staff)]
        day = (n // len(staff)) + 1
        # 02:00 UTC is 10:00 in Shanghai: each staff member from 10:00 to
        # 15:00, one slot a day
        start = today.replace(hour=2 + n % len(staff)) + timedelta(
            days=day if n % 3 else -day
        )
        booking = Event.create(
            {
                "loop_partner_id": partner.id,
                "loop_staff_id": member.id,
                "loop_service_ids": [Command.set(services[n % 2].ids)],
                "start": start,
            }
        )
        if start < today:
            booking.action_loop_done()
        elif n % 2:
            booking.action_loop_confirm()


def _order(env, session, method, partner, product, amount, when, user=None):
    """A paid visit: one line of ``amount``, paid in cash, served by ``user``."""
    return _till_order(
        env, session, partner, [(product, amount, {})], [(method, amount)], when, user
    )


def _till_order(env, session, partner, lines, payments, when, user=None):
    """A paid till order of ``lines`` (``(product, amount, extra values)``)
    and ``payments`` (``(method, amount)``) at ``when`` (UTC), its lines
    credited to ``user``. Its card moves carry the store's day of ``when``."""
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


def _card_sales(env, rng, customers, card_types, services, shops):
    """Cards sold at the customers' tills over the past year, then used there.

    Each customer buys her card from her own beautician on a day of the past
    year (a package in the last five months: it is valid six), and comes back
    one to four times to spend it: services paid from the stored value, or
    facials taken from the package.
    """
    gold, silver, package = card_types
    now = fields.Datetime.now()
    Card = env["loop.card"]
    for n, partner in enumerate(customers):
        card_type = gold if n < 7 else (silver if n < 15 else package)
        session, cash, card_method = shops[partner.loop_store_id]
        beautician = partner.loop_user_id
        ago = rng.randint(20, 150) if card_type == package else rng.randint(40, 330)
        sold = now - timedelta(days=ago, hours=rng.randint(0, 6))
        price = card_type.price
        _till_order(
            env,
            session,
            partner,
            [(card_type.product_id, price, {})],
            [(cash, price)],
            sold,
            beautician,
        )
        card = Card.search(
            [("partner_id", "=", partner.id), ("type_id", "=", card_type.id)],
            limit=1,
        )
        for _use in range(rng.randint(1, 4)):
            when = sold + timedelta(days=rng.randint(3, ago - 1), hours=1)
            if card_type.kind == "value":
                amount = round(rng.uniform(200, 700), -1)
                lines = [(rng.choice(services), amount, {})]
                payments = [(card_method, amount)]
            else:
                lines = [(services[0], 0.0, {"loop_card_id": card.id})]
                payments = []
            _till_order(env, session, partner, lines, payments, when, beautician)


def _past_bookings(env, rng, customers):
    """Most visits of the last three months were booked: done bookings of the
    staff member the till credited, made a few days ahead, or at the checkout
    of the customer's previous visit (反预约); one in ten was first booked two
    days earlier and cancelled.

    A booking that would overlap another of the same staff member is left
    out, as the front desk would have booked another hour. The bookings are
    marked done as of their end (the demo skips the completion's care
    records: the recent ones have theirs).
    """
    today = env.company._loop_today()
    since = fields.Datetime.to_datetime(today - timedelta(days=92))
    lines = env["pos.order.line"].search(
        [
            ("order_id.partner_id", "in", customers.ids),
            ("order_id.date_order", ">=", since),
            ("order_id.date_order", "<", fields.Datetime.to_datetime(today)),
            ("product_id.loop_bookable", "=", True),
            ("loop_staff_id", "!=", False),
            ("qty", ">", 0),
        ],
        order="id",
    )
    Event = env["calendar.event"].with_context(loop_no_rebook=True)
    done, cancelled, last = [], [], {}
    for line in lines:
        if rng.random() > 0.7:
            continue
        order = line.order_id
        start = order.date_order - timedelta(hours=1)
        vals = {
            "loop_partner_id": order.partner_id.id,
            "loop_staff_id": line.loop_staff_id.id,
            "loop_service_ids": [Command.set(line.product_id.ids)],
            "start": start,
            "loop_booked_on": start - timedelta(days=rng.randint(1, 10)),
        }
        previous = last.get(order.partner_id.id)
        if previous and rng.random() < 0.4:
            # 反预约: booked at the checkout of the previous visit
            vals["loop_rebooked_from_id"] = previous.id
            vals["loop_booked_on"] = previous.stop
        try:
            with env.cr.savepoint():
                booking = Event.create(vals)
                if rng.random() < 0.1:
                    # first booked two days earlier, then moved by the customer
                    cancelled.append(
                        Event.create(
                            {
                                **vals,
                                "loop_rebooked_from_id": False,
                                "start": start - timedelta(days=2),
                                "loop_booked_on": vals["loop_booked_on"]
                                - timedelta(days=2),
                            }
                        ).id
                    )
        except ValidationError:
            continue  # the staff member was booked then
        done.append(booking.id)
        last[order.partner_id.id] = booking
    env.flush_all()
    env.cr.execute(
        """UPDATE calendar_event SET loop_state = 'done', loop_done_date = stop
            WHERE id = ANY(%s);
           UPDATE calendar_event SET loop_state = 'cancelled' WHERE id = ANY(%s)""",
        [done, cancelled],
    )
    env["calendar.event"].invalidate_model(["loop_state", "loop_done_date"])


def _campaign(env, rng, shops, services):
    """A win-back campaign run 45 days ago over the customers who had come,
    half of them held out, measured over 14 days: the staff's calls brought
    more of the treated back within the fortnight, and it shows with its
    interval."""
    today = env.company._loop_today()
    enrolled = today - timedelta(days=45)
    audience = [("visit_count", ">=", 1), ("company_id", "=", env.company.id)]
    ids = env["loop.customer"].search(audience).partner_id.ids
    # a seed whose draw puts enough customers in each group for the lift
    seed = next(
        seed
        for seed in range(2026, 4026)
        if campaign_stats.MIN_GROUP
        <= sum(campaign_stats.holdout_draw(seed, pid) < 0.5 for pid in ids)
        <= len(ids) - campaign_stats.MIN_GROUP
    )
    campaign = env["loop.campaign"].create(
        {
            "name": "挽回沉睡客户（已结束）",
            "kind": "win_back",
            "audience_domain": "[('visit_count', '>=', 1)]",
            "holdout_percent": 50.0,
            "window_days": 14,
            "seed": seed,
            "activity_type_id": env.ref(
                "five_customer_loop.mail_activity_type_win_back"
            ).id,
            "activity_note": "<p>问候近况，邀请回店体验一次免费眼部护理。</p>",
        }
    )
    campaign.state = "running"
    members = campaign.with_context(loop_today=enrolled)._enrol()
    # the staff called the treated customers in the days after
    members.activity_id.action_feedback(feedback="已致电")
    for member in members:
        if rng.random() >= (0.15 if member.holdout else 0.6):
            continue
        partner = member.partner_id
        # a prospect who came once has no home store yet: the first one
        session, cash, _card = shops.get(partner.loop_store_id) or next(
            iter(shops.values())
        )
        when = datetime.combine(
            enrolled + timedelta(days=rng.randint(2, 13)), time(rng.randint(2, 10))
        )
        amount = round(rng.uniform(400, 1200), -1)
        _till_order(
            env,
            session,
            partner,
            [(rng.choice(services), amount, {})],
            [(cash, amount)],
            when,
            partner.loop_user_id,
        )
    campaign.action_measure()
    campaign.action_stop()
