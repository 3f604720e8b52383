"""Demo data of a small beauty chain, generated deterministically.

Only called by the post-init hooks when the database has demo data, never by
tests: a manager and six staff, about 60 customers spread over every tier,
segment and stage, up to 18 months of visits (about one a month), cards sold
over the past year and used after, care records, bookings, prospects and
campaigns, then one full recompute.

Everything the chain sells goes through a desk (:class:`FrontDesk`). This
addon's is the front desk, without a till: the cards are sold and used there
(card moves with an origin text) and the visits are not recorded, so the
customers have no figures from orders. The POS bridge's desk is the chain's
two stores with their tills (``five_customer_loop_pos/demo``): the visits are
paid POS orders, the cards are sold and used at the tills. When the bridge is
installed in the same run, this addon's hook only prepares the chain (its
company and people, for the addons installed in between, see :func:`prepare`)
and the bridge's hook builds the rest through its tills (:func:`build`): one
chain, drawn from one seed in one order, whichever desk it sells at.
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


STAFF = ("林美容", "陈雅婷", "王晓丽", "张静怡", "刘思琪", "黄佳慧")
# the chain's catalogue: (name, price)
SERVICES = (
    ("面部深层护理", 680),
    ("肩颈舒缓按摩", 398),
    ("美白焕肤疗程", 1280),
    ("眼部护理", 468),
    ("身体SPA", 888),
)
GOODS = (
    ("玻尿酸保湿精华", 520),
    ("修护面霜", 360),
    ("防晒乳", 198),
)
# card moves made at the front desk, without a till
SOLD_AT_DESK = "前台办卡"
USED_AT_DESK = "前台消费"


class FrontDesk:
    """Where the chain sells, without a till: the front desk.

    The build calls it for everything a till would do. At the desk the cards
    are sold and used (card moves with an origin text, on the day they
    happened) and the visits are not recorded: without a till there are no
    paid orders. The POS bridge's ``Till`` (a subclass) does all of it at the
    chain's tills.
    """

    def __init__(self, env):
        self.env = env

    def open(self, manager, staff):
        """Open for business: the manager and ``staff`` work here."""

    def product_values(self, shelf):
        """Values of a product of the chain's ``shelf`` (``service``,
        ``goods`` or ``card``) for this desk."""
        return {}

    def partner_values(self, number):
        """Values of the chain's customer ``number`` (1, 2...) for this desk."""
        return {}

    def visit(self, partner, product, amount, when, user):
        """``partner`` paid ``amount`` for ``product`` at ``when`` (UTC),
        served by ``user``: not recorded without a till."""

    def sell_card(self, partner, card_type, when, user):
        """Sell a card of ``card_type`` to ``partner`` at ``when``; return it."""
        day = self.env.company._loop_date(when)
        return (
            self.env["loop.card"]
            .with_context(loop_card_day=day)
            .issue_card(
                partner,
                card_type,
                {"origin": SOLD_AT_DESK},
                company_id=self.env.company.id,
                issue_date=day,
            )
        )

    def use_card(self, card, product, amount, when, user):
        """The card's holder pays ``amount`` with a stored-value ``card``, or
        takes a session of ``product`` from a package, at ``when``."""
        card = card.with_context(loop_card_day=self.env.company._loop_date(when))
        if card.kind == "value":
            card.consume_amount(amount, {"origin": USED_AT_DESK})
        else:
            card.consume_session(product, {"origin": USED_AT_DESK})

    def served(self, partners, since, until):
        """``[(partner, staff member, service, moment)]``: the services the
        staff served ``partners`` from ``since`` to ``until`` (UTC), in the
        order they were entered: none without a till."""
        return []

    def visits(self, partners, since, until):
        """``[(partner, moment)]``: the visits of ``partners`` from ``since``
        to ``until`` (UTC), in time order: none without a till."""
        return []

    def close(self, customers):
        """The chain is built: ``customers`` are its customers."""


def load(env):
    """Build the demo chain in ``env.company`` at its front desk (the post-init
    hook, when the POS bridge does not come in the same run)."""
    prepare(env)
    build(env, FrontDesk(env))


def prepare(env):
    """The chain's company details and people: its manager and six staff.

    Returns ``(manager, staff)``. The staff are users of the Customer Loop
    (the POS bridge's tills add their POS rights).
    """
    company = env.company
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
            "groups_id": [Command.link(manager_group.id)],
        }
    )
    staff = Users
    for n, name in enumerate(STAFF):
        staff |= Users.create(
            {
                "name": name,
                "login": f"staff{n + 1}",
                "password": f"staff{n + 1}",
                "email": f"staff{n + 1}@beauty-chain.example.com",
                "lang": lang,
                "tz": "Asia/Shanghai",
                "groups_id": [Command.link(user_group.id)],
            }
        )
    return manager, staff


def chain_users(env):
    """``(manager, staff)`` of the chain :func:`prepare` made (no manager: no
    chain in this database)."""
    Users = env["res.users"].with_context(active_test=False)
    manager = Users.search([("login", "=", "manager")], limit=1)
    logins = [f"staff{n + 1}" for n in range(len(STAFF))]
    staff = Users.search([("login", "in", logins)]).sorted(
        lambda user: logins.index(user.login)
    )
    return manager, staff


def build(env, desk):
    """Build the demo chain of ``env.company`` (after :func:`prepare`), its
    sales at ``desk`` (a :class:`FrontDesk`, or the POS bridge's ``Till``)."""
    rng = random.Random(5)
    company = env.company
    started = fields.Datetime.now()
    manager, staff = chain_users(env)
    desk.open(manager, staff)
    # the chain's catalogue: services, care products and cards (at its tills,
    # nothing else: the database's other demo products stay out)
    Product = env["product.product"]
    services = Product
    for name, price in SERVICES:
        services |= _product(env, desk, "service", name, price, loop_bookable=True)
    only_bookable(env, services)
    goods = Product
    for name, price in GOODS:
        goods |= _product(env, desk, "goods", name, price, type="consu")
    channels = _channels(env)
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
                    # one customer in three celebrates the lunar birthday
                    **(
                        {
                            "loop_lunar_month": str(counter % 12 + 1),
                            "loop_lunar_day": str(counter * 7 % 29 + 1),
                        }
                        if counter % 3 == 0
                        else {}
                    ),
                    **desk.partner_values(counter),
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
                desk.visit(
                    partner, product, round(rng.uniform(*ticket), -1), when, served_by
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
    _occasion_campaigns(env)
    _cards_and_care(env, rng, desk, customers, services, staff)
    _past_bookings(env, rng, desk, customers)
    _bookings(env, customers, services, staff)
    _prospects(env, rng, desk, referrers, services, staff[0])
    _prebookings(env, rng, desk, customers, services, staff)
    _forget_passing_stages(env, started)
    desk.close(customers)
    env["loop.engine"].run_all()
    # a finished win-back campaign and the visits it brought (then the figures
    # again, with those visits)
    _campaign(env, rng, desk, services)
    env["loop.engine"].run_all()
    # the last 12 months' retention snapshots, as the monthly job keeps them
    env["loop.retention.snapshot"]._cron_monthly_snapshot()
    env["loop.channel.conversion"]._rebuild(company)
    env["loop.return.rate"]._rebuild(company)
    # the coming days' birthdays, as the nightly job hands them over
    env["loop.occasion"]._cron_birthdays()


def _channels(env):
    """The acquisition channels the customers came through: this addon's.

    Those of the addons installed before the chain is built (the online
    booking's, installed between this addon and the POS bridge) would change
    the draws, and so the whole chain.
    """
    own = env["ir.model.data"].search(
        [("module", "=", "five_customer_loop"), ("model", "=", "loop.channel")]
    )
    return env["loop.channel"].search([("id", "in", own.mapped("res_id"))])


def only_bookable(env, services):
    """The chain books its own ``services`` only: the database's other demo
    services (Odoo's furniture shop at its own till) stay out of its bookings."""
    env["product.template"].search(
        [("loop_bookable", "=", True), ("id", "not in", services.product_tmpl_id.ids)]
    ).loop_bookable = False


def _occasion_campaigns(env):
    """The chain runs the loop's calls as campaigns: win-back, birthday
    wishes, follow-ups after a service (each measured against its holdout)."""
    for kind in ("win_back", "birthday", "follow_up"):
        campaign = env.ref(f"five_customer_loop.loop_campaign_{kind}")
        campaign.active = True
        campaign.action_start()


def _product(env, desk, shelf, name, price, **vals):
    """A product of the chain's ``shelf`` (a service unless ``vals`` say
    otherwise), as ``desk`` sells it."""
    return env["product.product"].create(
        {
            "name": name,
            "type": "service",
            "list_price": price,
            **desk.product_values(shelf),
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


def _prebookings(env, rng, desk, customers, services, staff):
    """反预约: about a third of last month's visits booked their next visit that day.

    Each staff member takes at most one of these bookings a day, two to three
    weeks ahead, so they never overlap the other demo bookings.
    """
    today = env.company._loop_today()
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    visits = desk.visits(
        customers,
        fields.Datetime.to_datetime(first),
        fields.Datetime.to_datetime(today.replace(day=1)),
    )
    Event = env["calendar.event"].with_context(loop_no_rebook=True)
    now = fields.Datetime.now().replace(minute=0, second=0, microsecond=0)
    for n, (partner, moment) in enumerate(v for v in visits if rng.random() < 0.35):
        member = staff[n % len(staff)]
        Event.create(
            {
                "loop_partner_id": partner.id,
                "loop_staff_id": member.id,
                "loop_service_ids": [Command.set(services[n % 3].ids)],
                # 03:00 UTC is 11:00 in Shanghai
                "start": now.replace(hour=3) + timedelta(days=14 + n // len(staff)),
                "loop_booked_on": moment,
            }
        )


def _prospects(env, rng, desk, referrers, services, beautician):
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
    # this month (her entry into the loop moved back to the day she enquired;
    # her visit is paid at a till: at the front desk she stays a prospect)
    converted = env["res.partner"].search([("name", "=", "周可欣")], limit=1)
    env.flush_all()
    env.cr.execute(
        """UPDATE loop_stage_history SET date = date - interval '12 days'
            WHERE partner_id = %s""",
        [converted.id],
    )
    env["loop.stage.history"].invalidate_model(["date"])
    desk.visit(
        converted,
        services[0],
        680.0,
        fields.Datetime.now() - timedelta(minutes=30),
        beautician,
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


def _cards_and_care(env, rng, desk, customers, services, staff):
    """Prepaid cards with ledger history, care records and feedback.

    Each card type is sold at the desk (its "Sold As" product: at the tills,
    in their card category).
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
        card_type.product_id = _product(
            env, desk, "card", card_type.name, card_type.price
        )
    _card_sales(env, rng, desk, customers[:24], (gold, silver, package), services)
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


def _card_sales(env, rng, desk, customers, card_types, services):
    """Cards sold at the desk over the past year, then used there.

    Each customer buys her card from her own beautician on a day of the past
    year (a package in the last five months: it is valid six), and comes back
    one to four times to spend it: services paid from the stored value, or
    facials taken from the package.
    """
    gold, silver, package = card_types
    now = fields.Datetime.now()
    for n, partner in enumerate(customers):
        card_type = gold if n < 7 else (silver if n < 15 else package)
        beautician = partner.loop_user_id
        ago = rng.randint(20, 150) if card_type == package else rng.randint(40, 330)
        sold = now - timedelta(days=ago, hours=rng.randint(0, 6))
        card = desk.sell_card(partner, card_type, sold, beautician)
        for _use in range(rng.randint(1, 4)):
            when = sold + timedelta(days=rng.randint(3, ago - 1), hours=1)
            if card_type.kind == "value":
                amount = round(rng.uniform(200, 700), -1)
                product = rng.choice(services)
            else:
                amount, product = 0.0, services[0]
            desk.use_card(card, product, amount, when, beautician)


def _past_bookings(env, rng, desk, customers):
    """Most visits of the last three months were booked: done bookings of the
    staff member who served the service, made a few days ahead, or at the
    checkout of the customer's previous visit (反预约); one in ten was first
    booked two days earlier and cancelled.

    A booking that would overlap another of the same staff member is left
    out, as the front desk would have booked another hour. The bookings are
    marked done as of their end (the demo skips the completion's care
    records: the recent ones have theirs). The services served are the tills'
    (none at the front desk, where the visits are not recorded).
    """
    today = env.company._loop_today()
    served = desk.served(
        customers,
        fields.Datetime.to_datetime(today - timedelta(days=92)),
        fields.Datetime.to_datetime(today),
    )
    Event = env["calendar.event"].with_context(loop_no_rebook=True)
    done, cancelled, last = [], [], {}
    for partner, member, service, moment in served:
        if rng.random() > 0.7:
            continue
        start = moment - timedelta(hours=1)
        vals = {
            "loop_partner_id": partner.id,
            "loop_staff_id": member.id,
            "loop_service_ids": [Command.set(service.ids)],
            "start": start,
            "loop_booked_on": start - timedelta(days=rng.randint(1, 10)),
        }
        previous = last.get(partner.id)
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
        last[partner.id] = booking
    env.flush_all()
    env.cr.execute(
        """UPDATE calendar_event SET loop_state = 'done', loop_done_date = stop
            WHERE id = ANY(%s);
           UPDATE calendar_event SET loop_state = 'cancelled' WHERE id = ANY(%s)""",
        [done, cancelled],
    )
    env["calendar.event"].invalidate_model(["loop_state", "loop_done_date"])


def _campaign(env, rng, desk, services):
    """A win-back campaign run 45 days ago over the customers who had come,
    half of them held out, measured over 14 days: the staff's calls brought
    more of the treated back within the fortnight, and it shows with its
    interval. Without recorded visits (no till) nobody had come: no campaign.
    """
    today = env.company._loop_today()
    enrolled = today - timedelta(days=45)
    audience = [("visit_count", ">=", 1), ("company_id", "=", env.company.id)]
    ids = env["loop.customer"].search(audience).partner_id.ids
    # a seed whose draw puts enough customers in each group for the lift
    seed = next(
        (
            seed
            for seed in range(2026, 4026)
            if campaign_stats.MIN_GROUP
            <= sum(campaign_stats.holdout_draw(seed, pid) < 0.5 for pid in ids)
            <= len(ids) - campaign_stats.MIN_GROUP
        ),
        None,
    )
    if seed is None:
        return
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
        when = datetime.combine(
            enrolled + timedelta(days=rng.randint(2, 13)), time(rng.randint(2, 10))
        )
        amount = round(rng.uniform(400, 1200), -1)
        desk.visit(partner, rng.choice(services), amount, when, partner.loop_user_id)
    campaign.action_measure()
    campaign.action_stop()
