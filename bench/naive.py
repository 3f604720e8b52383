"""A naive per-record ORM implementation of the nightly recompute.

Same rules as ``models/loop_engine.py`` (they come from ``lib/loop_rules.py``),
written the way one would write it without thinking about volume: for each
partner, search its orders through the ORM, compute the figures in Python and
write them (one ``loop.engine._write_company_values`` call per partner: the
figures' only way into their home, ``loop.customer``), then for each partner
read its figures back from its computed ``loop_*`` fields, count its referrals
and upgrades with ``search_count``, evaluate the stage rules (domains over
``loop.customer``) with ``filtered_domain`` on its row and write the history
with ``create``. The benchmark runs it side by side with the engine and
checks both leave the same tiers, segments, stages and spend.
"""

import math
from collections import defaultdict

import pytz

from odoo import fields

from odoo.addons.five_customer_loop.lib import loop_rules
from odoo.addons.five_customer_loop_pos.lib.pos_rules import PAID_STATES

FLUSH_EVERY = 500  # partners between cache clean-ups, so memory stays bounded


def recompute(env, today):
    """Full recompute of every partner of every company, record by record."""
    for company in env["res.company"].search([]):
        partners = (
            env["res.partner"]
            .with_company(company)
            .with_context(active_test=False, loop_engine=True, tracking_disable=True)
            .search([], order="id")
        )
        candidate_ids = []
        for i, partner in enumerate(partners):
            if _stats(env, company, partner, today):
                candidate_ids.append(partner.id)
            if i % FLUSH_EVERY == FLUSH_EVERY - 1:
                env.invalidate_all()
        env.invalidate_all()
        _thresholds(env, company)
        rules = _Rules(env, company)
        for i, pid in enumerate(candidate_ids):
            partner = partners.browse(pid)
            _classify(env, company, partner, today, rules)
            if i % FLUSH_EVERY == FLUSH_EVERY - 1:
                env.invalidate_all()
        env.invalidate_all()


def _stats(env, company, partner, today):
    orders = env["pos.order"].search(
        [
            ("partner_id", "=", partner.id),
            ("company_id", "=", company.id),
            ("state", "in", PAID_STATES),
        ]
    )
    if not orders and not partner.loop_stage_id:
        return False
    tz = pytz.timezone(company.partner_id.tz or "UTC")
    start = loop_rules.window_start(today)
    amounts = defaultdict(list)
    kept = defaultdict(float)  # day -> what refunds left of its positive orders
    refunded = defaultdict(float)  # order id -> what its refunds took back
    product_days = defaultdict(set)
    for order in orders:
        amount = order.amount_total / (order.currency_rate or 1.0)
        if amount < 0:
            original = order.lines.refunded_orderline_id.order_id[:1]
            if original:
                refunded[original.id] += amount
    for order in orders:
        day = pytz.utc.localize(order.date_order).astimezone(tz).date()
        amount = order.amount_total / (order.currency_rate or 1.0)
        amounts[day].append(amount)
        if amount > 0:
            kept[day] += amount + refunded[order.id]
        for line in order.lines:
            if line.qty > 0:
                product_days[line.product_id.id].add(day)
    # a visit: a day whose paid orders, net of their refunds, are still positive
    visit_days = sorted(day for day, value in kept.items() if value >= 0.005)
    first = visit_days[0] if visit_days else None
    last = visit_days[-1] if visit_days else None
    visits = len(visit_days)
    # the amounts' exact sums in cents, as PostgreSQL's SUM over numeric gives
    # them (a float sum can miss a cent, and the average ticket its rounding)
    spend = round(math.fsum(a for day in amounts.values() for a in day), 2)
    spend_12m = round(
        math.fsum(a for d, day in amounts.items() if d >= start for a in day), 2
    )
    interval = loop_rules.average_interval(first, last, visits)
    nxt = loop_rules.next_visit(last, interval)
    repeated = sum(1 for days in product_days.values() if len(days) >= 2)
    # days since the last visit are not stored: computed when read
    _write(
        env,
        company,
        partner,
        {
            "loop_first_visit": first,
            "loop_last_visit": last,
            "loop_visit_count": visits,
            "loop_visit_count_12m": sum(1 for d in visit_days if d >= start),
            "loop_spend_total": round(spend, 2),
            "loop_spend_12m": round(spend_12m, 2),
            "loop_avg_ticket": round(spend / visits, 2) if visits else 0.0,
            "loop_avg_interval": round(interval, 1),
            "loop_next_visit": nxt,
            "loop_repurchase_rate": round(100.0 * repeated / len(product_days), 1)
            if product_days
            else 0.0,
        },
    )
    return True


def _write(env, company, partner, values):
    """Write ``{loop_<column>: value}`` of one partner in ``company``.

    Figures are not writable fields: the engine's writer is their only way into
    ``loop.customer`` (an empty value is ``None``, as the engine writes it).
    """
    env["loop.engine"]._write_company_values(company, {partner.id: values})


def _member(env, company, partner):
    """The partner's row in the loop of ``company`` (empty when it has none)."""
    return (
        env["loop.customer"]
        .with_context(active_test=False)
        .search([("partner_id", "=", partner.id), ("company_id", "=", company.id)])
    )


def _thresholds(env, company):
    if company.loop_segment_mode != "median":
        return
    active = (
        env["res.partner"]
        .with_company(company)
        .with_context(active_test=False)
        .search([("loop_visit_count_12m", ">=", 1)])
    )
    company.write(
        {
            "loop_segment_amount": round(
                loop_rules.median(active.mapped("loop_avg_ticket")), 2
            ),
            "loop_segment_frequency": round(
                loop_rules.median(active.mapped("loop_visit_count_12m")), 2
            ),
        }
    )


class _Rules:
    """What does not change from one partner to the next: read once per company."""

    def __init__(self, env, company):
        self.bands = env["loop.tier"]._tier_bands(company)
        self.minimum = dict(self.bands)
        stages = env["loop.stage"].search([]).sorted("sequence")
        self.stages = [
            (stage, stage._rule_domain_list()) for stage in stages if not stage.is_lost
        ]
        self.lost = stages.filtered("is_lost")[:1]
        self.types = {
            xmlid: env.ref(f"five_customer_loop.mail_activity_type_{xmlid}")
            for xmlid in ("tier_change",)
        }
        self.model_id = env["ir.model"]._get_id("res.partner")


def _classify(env, company, partner, today, rules):
    Partner = partner.with_context(active_test=False)
    bands = rules.bands
    minimum = rules.minimum
    old_tier = partner.loop_tier_id.id or None
    new_tier = loop_rules.tier_for_spend(partner.loop_spend_12m, bands) or None
    old_health = partner.loop_health
    # computed when read, from the last visit and the company's day
    days = partner.loop_days_since_visit if partner.loop_last_visit else None
    health = loop_rules.health_for(
        days,
        partner.loop_avg_interval,
        company.loop_at_risk_min_days,
        company.loop_at_risk_factor,
        company.loop_lost_days,
    )
    referrals = Partner.search_count(
        [("loop_referred_by_id", "=", partner.id), ("loop_visit_count", ">=", 1)]
    )
    _write(
        env,
        company,
        partner,
        {
            "loop_tier_id": new_tier,
            "loop_segment": loop_rules.segment_for(
                partner.loop_visit_count,
                partner.loop_visit_count_12m,
                partner.loop_avg_ticket,
                company.loop_segment_amount,
                company.loop_segment_frequency,
            ),
            "loop_health": health,
            "loop_referral_paid_count": referrals,
        },
    )
    user = partner.loop_user_id
    if new_tier != old_tier:
        if not old_tier:
            direction = "new"
        elif minimum.get(new_tier, 0.0) > minimum.get(old_tier, 0.0):
            direction = "up"
        else:
            direction = "down"
        history = env["loop.tier.history"].create(
            {
                "partner_id": partner.id,
                "company_id": company.id,
                "tier_from_id": old_tier,
                "tier_to_id": new_tier,
                "direction": direction,
                "spend_12m": partner.loop_spend_12m,
            }
        )
        if direction in ("up", "down") and user:
            tier = history.tier_to_id.name or "-"
            summary = (
                env._("Tier upgraded to %(tier)s", tier=tier)
                if direction == "up"
                else env._("Tier downgraded to %(tier)s", tier=tier)
            )
            _activity(env, rules, "tier_change", partner, user, summary)
    if health == "at_risk" and old_health != "at_risk":
        # the win-back occasion, to the running win-back campaigns
        env["loop.campaign"]._enrol_occasions(
            "win_back",
            company,
            [
                {
                    "partner_id": partner.id,
                    "occasion": today,
                    "summary": env._("Win back: no visit for a long time"),
                }
            ],
            today,
        )
    upgraded = env["loop.tier.history"].search_count(
        [
            ("partner_id", "=", partner.id),
            ("company_id", "=", company.id),
            ("direction", "=", "up"),
            ("date", ">=", loop_rules.window_start(today)),
        ]
    )
    # a flag that is not set is empty, as the engine stores it
    _write(env, company, partner, {"loop_recent_upgrade": bool(upgraded) or None})
    if partner.loop_stage_pinned:
        return
    # stage rules are domains over the partner's row in the company's loop
    member = _member(env, company, partner)
    target = False
    for stage, domain in rules.stages:
        if member.filtered_domain(domain):
            target = stage
    if rules.lost and health == "lost":
        target = rules.lost
    if target and partner.loop_stage_id != target:
        now = fields.Datetime.now()
        env["loop.stage.history"].search(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", company.id),
                ("date_end", "=", False),
            ]
        ).write({"date_end": now})
        env["loop.stage.history"].create(
            {
                "partner_id": partner.id,
                "company_id": company.id,
                "stage_from_id": partner.loop_stage_id.id,
                "stage_to_id": target.id,
                "date": now,
                "kind": "auto",
                "user_id": env.uid,
            }
        )
        _write(
            env,
            company,
            partner,
            {"loop_stage_id": target.id, "loop_stage_date": now},
        )


def _activity(env, rules, kind, partner, user, summary):
    activity_type = rules.types[kind]
    Activity = env["mail.activity"].sudo()
    if Activity.search_count(
        [
            ("res_model", "=", "res.partner"),
            ("res_id", "=", partner.id),
            ("activity_type_id", "=", activity_type.id),
        ]
    ):
        return
    Activity.with_context(mail_activity_quick_update=True).create(
        {
            "res_model_id": rules.model_id,
            "res_id": partner.id,
            "activity_type_id": activity_type.id,
            "user_id": user.id,
            "summary": summary,
            "date_deadline": activity_type._get_date_deadline(),
        }
    )
