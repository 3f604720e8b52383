from odoo import api, models


class PosSession(models.Model):
    _inherit = "pos.session"

    @api.model
    def _load_pos_data_models(self, config_id):
        # after res.partner: the cards loaded are those of the loaded customers
        return [*super()._load_pos_data_models(config_id), "loop.card"]

    def _load_pos_data(self, data):
        result = super()._load_pos_data(data)
        result["data"][0]["_loop_card_products"] = self._loop_card_products()
        return result

    def _loop_card_products(self):
        """``{product id: {"kind", "name"}}``: the products that sell a card."""
        self.ensure_one()
        # sudo: which products sell a card is no secret, and the till must know
        # it (a card sale needs a customer) whatever the cashier's loop rights.
        card_types = (
            self.env["loop.card.type"]
            .sudo()
            .search(
                [
                    ("product_id", "!=", False),
                    ("company_id", "in", [False, self.company_id.id]),
                ]
            )
        )
        products = {}
        for card_type in card_types:
            products.setdefault(
                card_type.product_id.id,
                {"kind": card_type.kind, "name": card_type.name},
            )
        return products
