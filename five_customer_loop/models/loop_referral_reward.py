"""Referral rewards: granted once per referred customer and company, reversible.

:meth:`LoopReferralReward._sync_partners` runs after the engine refreshed
customers (``loop.engine._after_refresh``, i.e. after every paid or refunded
order). For the referred customers among them it finds, one query per company,
the first paid order (of any source: ``loop.engine._paid_orders``) that is not
fully refunded; it grants the
rewards of the first fitting rule for the customers who have none yet, and
reverses the rewards of those who have no such order left.
"""

import logging

from psycopg2.errors import UniqueViolation

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..lib.loop_sql import with_refunds

_logger = logging.getLogger(__name__)

# Context key set while rewards are granted or reversed: the card moves refresh
# the customers again, and that refresh must not sync the rewards a second time.
SYNCING = "loop_referral_syncing"

REWARD_STATES = [
    ("granted", "Granted"),
    ("to_reverse", "Reversal Pending"),
    ("reversed", "Reversed"),
]


class LoopReferralReward(models.Model):
    _name = "loop.referral.reward"
    _description = "Referral Reward"
    _order = "date desc, id desc"
    _check_company_auto = True

    referrer_id = fields.Many2one(
        "res.partner",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    referred_id = fields.Many2one(
        "res.partner",
        string="New Customer",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    rule_id = fields.Many2one(
        "loop.referral.rule",
        required=True,
        readonly=True,
        ondelete="restrict",
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    order_ref = fields.Reference(
        selection="_selection_order_ref",
        string="First Order",
        readonly=True,
        help="The new customer's first paid order (at the till or a sale "
        "order), which earned the reward.",
    )
    order_name = fields.Char(
        string="First Order Number",
        compute="_compute_order_name",
        help="The number of the first order, shown to every loop user (the order "
        "itself opens for those who may read orders of its kind).",
    )
    order_amount = fields.Monetary(string="First Order Amount", readonly=True)
    date = fields.Date(string="Granted On", required=True, readonly=True)
    state = fields.Selection(
        REWARD_STATES,
        required=True,
        default="granted",
        readonly=True,
        index=True,
        help="Reversal pending: the first order was refunded but the reward could "
        "not be taken back (e.g. the value was already spent); a loop manager "
        "sorts it out and reverses it again.",
    )
    referrer_card_id = fields.Many2one("loop.card", readonly=True, ondelete="restrict")
    referrer_amount = fields.Monetary(string="Referrer Value", readonly=True)
    referrer_sessions = fields.Integer(readonly=True)
    new_card_id = fields.Many2one(
        "loop.card", string="New Customer Card", readonly=True, ondelete="restrict"
    )
    new_amount = fields.Monetary(string="New Customer Value", readonly=True)
    new_sessions = fields.Integer(string="New Customer Sessions", readonly=True)
    move_ids = fields.Many2many(
        "loop.card.move",
        "loop_referral_reward_move_rel",
        "reward_id",
        "move_id",
        string="Reward Moves",
        readonly=True,
    )
    reversal_move_ids = fields.Many2many(
        "loop.card.move",
        "loop_referral_reward_reversal_rel",
        "reward_id",
        "move_id",
        string="Reversal Moves",
        readonly=True,
    )
    reverse_date = fields.Date(string="Reversed On", readonly=True)
    reverse_reason = fields.Text(
        string="Reversal Reason",
        help="Why the reward was taken back. Fill it in before reversing by hand.",
    )
    reversal_error = fields.Text(
        string="Reversal Problem",
        readonly=True,
        help="What stopped the automatic reversal.",
    )

    _sql_constraints = [
        (
            "referred_company_uniq",
            "unique(referred_id, company_id)",
            "A referred customer earns the referral reward only once per company.",
        ),
    ]

    @api.depends("referrer_id.name", "referred_id.name")
    def _compute_display_name(self):
        for reward in self:
            reward.display_name = self.env._(
                "%(referrer)s → %(referred)s",
                referrer=reward.referrer_id.name or "",
                referred=reward.referred_id.name or "",
            )

    # --------------------------------------------------------------------- CRUD
    @api.ondelete(at_uninstall=False)
    def _unlink_except_granted(self):
        raise UserError(
            self.env._(
                "Referral rewards are kept as history: reverse a reward instead of "
                "deleting it."
            )
        )

    # ------------------------------------------------------------------- actions
    def action_reverse(self):
        """Reverse the rewards by hand (loop managers), with the reason given."""
        if not self.env.user.has_group("five_customer_loop.group_loop_manager"):
            raise UserError(
                self.env._("Only loop managers can reverse referral rewards.")
            )
        for reward in self:
            if reward.state == "reversed":
                raise UserError(
                    self.env._(
                        "The reward %(reward)s is already reversed.",
                        reward=reward.display_name,
                    )
                )
            if not (reward.reverse_reason or "").strip():
                raise UserError(
                    self.env._(
                        "Write why the reward %(reward)s is taken back before "
                        "reversing it.",
                        reward=reward.display_name,
                    )
                )
        for reward in self:
            reward.with_context(**{SYNCING: True})._reverse(
                reward.reverse_reason.strip()
            )
        return True

    def action_view_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.loop_card_move_action"
        )
        action["domain"] = [("id", "in", (self.move_ids | self.reversal_move_ids).ids)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------ granting, sync
    @api.model
    def _sync_partners(self, partners):
        """Grant or reverse the rewards of the referred customers among ``partners``.

        Called as superuser after the engine refreshed ``partners``: a fixed
        number of queries to decide, then the card moves of each reward that
        changes (rare: a first paid visit, a refunded first order).
        """
        if self.env.context.get(SYNCING):
            return
        referred = partners.filtered("loop_referred_by_id")
        if not referred:
            return
        self = self.with_context(**{SYNCING: True})
        # fetched with their search: the companies to read the orders of
        rules = self.env["loop.referral.rule"].search_fetch([], ["company_id"])
        existing = self.search_fetch(
            [("referred_id", "in", referred.ids)],
            ["referred_id", "company_id", "state"],
        )
        if not rules and not existing.filtered(lambda r: r.state == "granted"):
            return
        kept = self._first_kept_orders(referred, rules.company_id | existing.company_id)
        done = {(r.referred_id.id, r.company_id.id) for r in existing}
        # rewards whose first order was refunded with nothing paid left
        lost = existing.filtered(
            lambda r: r.state == "granted"
            and (r.referred_id.id, r.company_id.id) not in kept
        )
        for reward in lost:
            reward._reverse(
                self.env._("First order refunded: no paid visit left"), quiet=True
            )
        pending = {key: row for key, row in kept.items() if key not in done}
        if not pending or not rules:
            return
        customers = self._referrers_in_company(
            [(referred.browse(pid).loop_referred_by_id.id, cid) for pid, cid in pending]
        )
        for (pid, cid), (order_ref, day, amount) in sorted(pending.items()):
            partner = referred.browse(pid)
            referrer = partner.loop_referred_by_id
            if (referrer.id, cid) not in customers:
                continue
            rule = next(
                (
                    r
                    for r in rules
                    if r.company_id.id == cid and r._applies_to(day, amount)
                ),
                None,
            )
            if not rule:
                continue
            try:
                with self.env.cr.savepoint():
                    self._grant(rule, partner, referrer, order_ref, amount)
            except (UserError, ValidationError, UniqueViolation) as error:
                # a paid order must never fail because of a gift: the reward is
                # tried again with the customer's next refresh (a unique violation:
                # another till granted it at the same moment)
                _logger.warning(
                    "Referral reward of %s for %s not granted: %s",
                    referrer.display_name,
                    partner.display_name,
                    error,
                )

    @api.depends("order_ref")
    def _compute_order_name(self):
        for reward in self:
            # sudo: the order's number only, on a reward the user may read
            order = reward.order_ref and reward.order_ref.sudo()
            reward.order_name = order.display_name if order else False

    @api.model
    def _selection_order_ref(self):
        """The models of the order sources (``loop.engine._order_models``)."""
        return [
            (model, self.env[model]._description)
            for model in self.env["loop.engine"]._order_models().values()
        ]

    @api.model
    def _first_kept_orders(self, partners, companies):
        """``{(partner_id, company_id): (order reference, local day, amount)}``.

        The first paid order (by the moment it was paid) of each customer in each
        of ``companies`` that refunds did not fully take back, every source
        (``loop.engine._paid_orders``), one query per company; the amount is
        in company currency; the reference is ``"model,id"``.
        """
        engine = self.env["loop.engine"]
        models_ = engine._order_models()
        result = {}
        for company in companies:
            rows = self.env.execute_query(
                with_refunds(
                    engine._paid_orders(company, partners.ids, at=True),
                    SQL(
                        """DISTINCT ON (s.partner_id)
                           s.partner_id, s.source, s.order_id, s.day, s.amount"""
                    ),
                    SQL(
                        """WHERE s.amount > 0
                             AND ROUND(s.amount + COALESCE(r.amount, 0), 2) > 0
                           ORDER BY s.partner_id, s.at, s.source, s.order_id"""
                    ),
                )
            )
            for pid, source, order_id, day, amount in rows:
                result[pid, company.id] = (
                    f"{models_[source]},{order_id}",
                    day,
                    float(amount),
                )
        return result

    @api.model
    def _referrers_in_company(self, pairs):
        """The ``(referrer_id, company_id)`` of ``pairs`` where the referrer is a
        customer of the company (a loop stage or a paid order there)."""
        wanted = {}
        for referrer_id, company_id in pairs:
            wanted.setdefault(company_id, set()).add(referrer_id)
        engine = self.env["loop.engine"]
        found = set()
        for company_id, referrer_ids in wanted.items():
            company = self.env["res.company"].browse(company_id)
            rows = self.env.execute_query(
                SQL(
                    """SELECT r.id FROM res_partner r
                        WHERE r.id = ANY(%(rids)s)
                          AND (EXISTS (SELECT 1 FROM loop_customer m
                                        WHERE m.partner_id = r.id
                                          AND m.company_id = %(cid)s
                                          AND m.stage_id IS NOT NULL)
                               OR r.id IN (SELECT o.partner_id
                                             FROM (%(orders)s) o))""",
                    rids=sorted(referrer_ids),
                    cid=company_id,
                    orders=engine._paid_orders(company, sorted(referrer_ids)),
                )
            )
            found |= {(row[0], company_id) for row in rows}
        return found

    @api.model
    def _grant(self, rule, referred, referrer, order_ref, amount):
        """Post the rule's rewards on cards and record them; returns the reward."""
        company = rule.company_id
        origin = {
            "origin": self.env._(
                "Referral reward: %(referrer)s brought %(referred)s",
                referrer=referrer.name,
                referred=referred.name,
            )
        }
        vals = {
            "referrer_id": referrer.id,
            "referred_id": referred.id,
            "rule_id": rule.id,
            "company_id": company.id,
            "order_ref": order_ref,
            "order_amount": amount,
            "date": self.env["loop.card"]._today(company),
        }
        moves = self.env["loop.card.move"]
        for who, partner, kind, card_type, value in (
            (
                "referrer",
                referrer,
                rule.referrer_reward,
                rule.referrer_card_type_id,
                rule.referrer_amount,
            ),
            ("new", referred, rule.new_reward, rule.new_card_type_id, rule.new_amount),
        ):
            if kind == "none":
                continue
            card, card_moves = self._reward_card(
                partner, kind, card_type, value, origin, company
            )
            moves |= card_moves
            vals.update(
                {
                    f"{who}_card_id": card.id,
                    f"{who}_amount": sum(card_moves.mapped("amount")),
                    f"{who}_sessions": sum(card_moves.mapped("sessions")),
                }
            )
        vals["move_ids"] = [Command.set(moves.ids)]
        return self.create(vals)

    @api.model
    def _reward_card(self, partner, kind, card_type, amount, origin, company):
        """Put a reward on a card of ``partner``; returns ``(card, moves)``.

        Stored value tops up the partner's usable card of ``card_type`` (the
        oldest one) or issues one; a session package is always a new card.
        Nothing is paid for a reward.
        """
        Card = self.env["loop.card"].with_company(company)
        today = Card._today(company)
        if kind == "value":
            card = Card.search(
                [
                    ("partner_id", "=", partner.id),
                    ("type_id", "=", card_type.id),
                    ("company_id", "=", company.id),
                    ("state", "in", ("active", "used_up")),
                    "|",
                    ("expiry_date", "=", False),
                    ("expiry_date", ">=", today),
                ],
                order="id",
                limit=1,
            )
            if card:
                return card, card.top_up(amount, 0.0, origin)
            card = Card.issue_card(
                partner,
                card_type,
                origin,
                amount=amount,
                paid=0.0,
                company_id=company.id,
                issue_date=today,
            )
        else:
            card = Card.issue_card(
                partner,
                card_type,
                origin,
                paid=0.0,
                company_id=company.id,
                issue_date=today,
            )
        return card, card.move_ids

    def _reverse(self, reason, quiet=False):
        """Take the rewards back with reversing card moves.

        ``quiet`` (automatic reversal after a refund): a reward whose moves
        cannot be reversed (value already spent, card expired) is marked
        "Reversal Pending" with the reason instead of stopping the refund.
        """
        for reward in self:
            moves = reward.move_ids.filtered(lambda m: not m.reversal_ids)
            try:
                with self.env.cr.savepoint():
                    reversals = (
                        moves.action_reverse(reason) if moves else moves.browse()
                    )
                    reward.write(
                        {
                            "state": "reversed",
                            "reversal_move_ids": [Command.set(reversals.ids)],
                            "reverse_date": self.env["loop.card"]._today(
                                reward.company_id
                            ),
                            "reverse_reason": reason,
                            "reversal_error": False,
                        }
                    )
            except UserError as error:
                if not quiet:
                    raise
                reward.write(
                    {
                        "state": "to_reverse",
                        "reverse_reason": reason,
                        "reversal_error": str(error),
                    }
                )
