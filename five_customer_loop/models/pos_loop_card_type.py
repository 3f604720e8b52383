from odoo import fields, models


class LoopCardType(models.Model):
    _inherit = "loop.card.type"

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
