from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib import card_rules

CARD_KINDS = [
    ("value", "Stored Value"),
    ("session", "Session Package"),
]


class LoopCardType(models.Model):
    """What a store sells: a stored-value card or a package of sessions."""

    _name = "loop.card.type"
    _description = "Prepaid Card Type"
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    kind = fields.Selection(
        CARD_KINDS,
        required=True,
        default="value",
        help="Stored value: a money balance spent on anything (储值卡). "
        "Session package: a number of sessions of given services (次卡 / 疗程卡).",
    )
    company_id = fields.Many2one(
        "res.company",
        default=lambda self: self.env.company,
        help="Leave empty to sell this card type in every company.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        help="The currency of the type's company, or of the current company.",
    )
    price = fields.Monetary(
        help="What the customer pays for the card.",
    )
    amount = fields.Monetary(
        string="Value Credited",
        help="Stored value put on the card. Above the price it carries a bonus: "
        "pay 10,000, receive 11,000.",
    )
    bonus = fields.Monetary(
        compute="_compute_bonus", help="Value credited above the price."
    )
    line_ids = fields.One2many(
        "loop.card.type.line", "type_id", string="Services", copy=True
    )
    session_total = fields.Integer(
        string="Sessions",
        compute="_compute_session_total",
        help="Sessions in the package.",
    )
    validity_number = fields.Integer(
        string="Validity",
        default=12,
        help="How long a card stays usable after it is issued; 0 means it never "
        "expires.",
    )
    validity_unit = fields.Selection(
        [("months", "Months"), ("days", "Days")],
        default="months",
        required=True,
    )
    product_id = fields.Many2one(
        "product.product",
        string="Sold As",
        check_company=True,
        help="The product the till sells to issue this card.",
    )
    pos_sale_mode = fields.Selection(
        [
            ("new_card", "Issue a New Card"),
            ("top_up", "Top Up the Customer's Card"),
        ],
        string="Sold at the Till",
        required=True,
        default="new_card",
        help="What selling the card's product at the POS does. Issue a new card: "
        "every unit sold is a new card. Top up: the value goes on the customer's "
        "card of this type (the one valid longest); a new card is issued when "
        "the customer has none. Session packages always issue a new card.",
    )
    card_count = fields.Integer(compute="_compute_card_count", string="Cards")
    description = fields.Text()

    _sql_constraints = [
        (
            "price_positive",
            "CHECK(price >= 0)",
            "The price of a card type cannot be negative.",
        ),
        (
            "amount_positive",
            "CHECK(amount >= 0)",
            "The value credited cannot be negative.",
        ),
        (
            "validity_positive",
            "CHECK(validity_number >= 0)",
            "The validity of a card type cannot be negative.",
        ),
    ]

    @api.depends("company_id")
    def _compute_currency_id(self):
        for card_type in self:
            card_type.currency_id = (
                card_type.company_id or self.env.company
            ).currency_id

    @api.depends("price", "amount", "kind")
    def _compute_bonus(self):
        for card_type in self:
            bonus = (
                card_type.amount - card_type.price if card_type.kind == "value" else 0.0
            )
            card_type.bonus = max(bonus, 0.0)

    @api.depends("line_ids.sessions")
    def _compute_session_total(self):
        for card_type in self:
            card_type.session_total = sum(card_type.line_ids.mapped("sessions"))

    def _compute_card_count(self):
        counts = dict(
            self.env["loop.card"]._read_group(
                [("type_id", "in", self.ids)], ["type_id"], ["__count"]
            )
        )
        for card_type in self:
            card_type.card_count = counts.get(card_type, 0)

    @api.constrains("kind", "amount", "price", "line_ids")
    def _check_kind(self):
        for card_type in self:
            if card_type.kind == "value" and card_type.line_ids:
                raise ValidationError(
                    self.env._(
                        "%(type)s is a stored-value card: it cannot list services. "
                        "Make it a session package instead.",
                        type=card_type.name,
                    )
                )
            if (
                card_type.kind == "value"
                and card_type.amount
                and card_type.amount < card_type.price
            ):
                raise ValidationError(
                    self.env._(
                        "%(type)s would credit less value than the customer pays.",
                        type=card_type.name,
                    )
                )
            if card_type.kind == "session" and not card_type.line_ids:
                raise ValidationError(
                    self.env._(
                        "The session package %(type)s needs at least one service with "
                        "a number of sessions.",
                        type=card_type.name,
                    )
                )

    def write(self, vals):
        if "kind" in vals and self.env["loop.card"].sudo().search_count(  # count only
            [("type_id", "in", self.ids)], limit=1
        ):
            raise UserError(
                self.env._(
                    "Cards of this type were issued: it cannot change between stored "
                    "value and session package. Create a new card type."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_issued(self):
        if (
            self.env["loop.card"]
            .sudo()
            .search_count(  # count only, every company
                [("type_id", "in", self.ids)], limit=1
            )
        ):
            raise UserError(
                self.env._("Cards of this type were issued: archive the type instead.")
            )

    def _expiry_date(self, issue_date):
        """Last usable day of a card of this type issued on ``issue_date``."""
        self.ensure_one()
        return card_rules.expiry_date(
            issue_date, self.validity_number, self.validity_unit
        )

    def _session_allocation(self, price):
        """``[(line, value)]``: ``price`` split by list price × sessions."""
        self.ensure_one()
        lines = self.line_ids
        weights = [line.sessions * line.product_id.lst_price for line in lines]
        return list(zip(lines, card_rules.allocate(price, weights), strict=True))

    def action_view_cards(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.loop_card_action"
        )
        action["domain"] = [("type_id", "=", self.id)]
        action["context"] = {"default_type_id": self.id}
        return action
