from odoo import api, fields, models
from odoo.exceptions import ValidationError

REWARD_KINDS = [
    ("none", "No Reward"),
    ("value", "Stored Value"),
    ("sessions", "Session Package"),
]


class LoopReferralRule(models.Model):
    """What a store gives when a referred customer pays their first visit (推荐有礼)."""

    _name = "loop.referral.rule"
    _description = "Referral Reward Rule"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(
        default=10,
        help="When several rules fit a referred customer's first paid visit, the "
        "first one in this order gives the reward.",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_start = fields.Date(
        string="Valid From",
        required=True,
        default=fields.Date.context_today,
        help="Only first visits paid on or after this day are rewarded: customers "
        "referred before the rule existed do not all get a reward at once.",
    )
    date_end = fields.Date(
        string="Valid Until", help="Last day of the campaign; empty: no end."
    )
    min_order_amount = fields.Monetary(
        string="Minimum First Order",
        help="The referred customer's first paid order must reach this amount "
        "(company currency) for the rewards to be given.",
    )
    referrer_reward = fields.Selection(
        REWARD_KINDS,
        required=True,
        default="value",
        help="Stored value: credited on the referrer's active stored-value card of "
        "the chosen type, or on a new card of that type when they hold none. "
        "Session package: a new package of the chosen type, free of charge.",
    )
    referrer_card_type_id = fields.Many2one(
        "loop.card.type",
        check_company=True,
        ondelete="restrict",
    )
    referrer_amount = fields.Monetary(
        string="Referrer Value", help="Stored value given to the referrer."
    )
    referrer_sessions = fields.Integer(
        related="referrer_card_type_id.session_total", string="Referrer Sessions"
    )
    new_reward = fields.Selection(
        REWARD_KINDS,
        string="New Customer Reward",
        required=True,
        default="none",
        help="What the referred customer receives with their first paid visit.",
    )
    new_card_type_id = fields.Many2one(
        "loop.card.type",
        string="New Customer Card Type",
        check_company=True,
        ondelete="restrict",
    )
    new_amount = fields.Monetary(
        string="New Customer Value", help="Stored value given to the new customer."
    )
    new_sessions = fields.Integer(
        related="new_card_type_id.session_total", string="New Customer Sessions"
    )
    reward_ids = fields.One2many("loop.referral.reward", "rule_id", readonly=True)
    reward_count = fields.Integer(compute="_compute_reward_count", string="Rewards")
    description = fields.Text()

    _sql_constraints = [
        (
            "min_order_amount_positive",
            "CHECK(min_order_amount >= 0)",
            "The minimum first order cannot be negative.",
        ),
        (
            "dates_ordered",
            "CHECK(date_end IS NULL OR date_end >= date_start)",
            "A referral rule cannot end before it starts.",
        ),
    ]

    def _compute_reward_count(self):
        counts = dict(
            self.env["loop.referral.reward"]._read_group(
                [("rule_id", "in", self.ids), ("state", "!=", "reversed")],
                ["rule_id"],
                ["__count"],
            )
        )
        for rule in self:
            rule.reward_count = counts.get(rule, 0)

    @api.constrains(
        "referrer_reward",
        "referrer_card_type_id",
        "referrer_amount",
        "new_reward",
        "new_card_type_id",
        "new_amount",
    )
    def _check_rewards(self):
        for rule in self:
            if rule.referrer_reward == "none" and rule.new_reward == "none":
                raise ValidationError(
                    self.env._(
                        "The referral rule %(rule)s gives nothing: choose a reward for "
                        "the referrer, for the new customer, or both.",
                        rule=rule.name,
                    )
                )
            for kind, card_type, amount, who in (
                (
                    rule.referrer_reward,
                    rule.referrer_card_type_id,
                    rule.referrer_amount,
                    self.env._("the referrer"),
                ),
                (
                    rule.new_reward,
                    rule.new_card_type_id,
                    rule.new_amount,
                    self.env._("the new customer"),
                ),
            ):
                if kind == "none":
                    continue
                wanted = "value" if kind == "value" else "session"
                if not card_type or card_type.kind != wanted:
                    raise ValidationError(
                        self.env._(
                            "The referral rule %(rule)s rewards %(who)s with %(kind)s: "
                            "choose a card type of that kind.",
                            rule=rule.name,
                            who=who,
                            kind=dict(REWARD_KINDS)[kind],
                        )
                    )
                if kind == "value" and amount <= 0:
                    raise ValidationError(
                        self.env._(
                            "The referral rule %(rule)s gives stored value to %(who)s: "
                            "enter a positive amount.",
                            rule=rule.name,
                            who=who,
                        )
                    )

    def _applies_to(self, day, amount):
        """Whether ``self`` rewards a first order of ``amount`` paid on ``day``."""
        self.ensure_one()
        rounding = self.currency_id.rounding or 0.01
        return (
            self.date_start <= day
            and (not self.date_end or day <= self.date_end)
            and amount >= self.min_order_amount - rounding / 2
        )

    def action_view_rewards(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.loop_referral_reward_action"
        )
        action["domain"] = [("rule_id", "=", self.id)]
        action["context"] = {}
        return action
