from odoo import api, fields, models
from odoo.exceptions import ValidationError


class PosPaymentMethod(models.Model):
    _inherit = "pos.payment.method"

    loop_is_card = fields.Boolean(
        string="Prepaid Card",
        help="Pays with the stored value of the customer's prepaid cards (储值卡), "
        "the card expiring first first. Needs a customer; the till refuses more "
        "than the cards hold. Leave the journal empty: the money was received "
        "when the card was sold.",
    )

    @api.constrains("loop_is_card", "journal_id")
    def _check_loop_is_card(self):
        for method in self:
            if method.loop_is_card and method.journal_id:
                raise ValidationError(
                    self.env._(
                        "%(method)s pays with prepaid cards: leave its journal empty, "
                        "the money was received when the cards were sold.",
                        method=method.name,
                    )
                )

    @api.model
    def _load_pos_data_fields(self, config_id):
        fields_list = super()._load_pos_data_fields(config_id)
        return [*fields_list, "loop_is_card"]
