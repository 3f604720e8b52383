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

    def loop_find_card(self, code):
        """The active card printed with barcode ``code`` in the till's company:
        ``{"card_id", "partner_id"}``, or False. The till scans it to select the
        customer and her card."""
        self.ensure_one()
        self.check_access("read")
        code = (code or "").strip()
        if not code:
            return False
        # sudo: the customer hands the card over; the till learns only which
        # card and customer it is, in its own company, and loads them as usual
        card = (
            self.env["loop.card"]
            .sudo()
            .search(
                [
                    ("code", "=", code),
                    ("company_id", "=", self.company_id.id),
                    ("state", "=", "active"),
                ],
                limit=1,
            )
        )
        if not card:
            return False
        return {"card_id": card.id, "partner_id": card.partner_id.id}

    def _loop_card_products(self):
        """``{product id: {"kind", "name", "top_up"}}``: the products that sell
        a card (``top_up``: a sale tops up the customer's card of the type)."""
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
                {
                    "kind": card_type.kind,
                    "name": card_type.name,
                    "top_up": card_type.kind == "value"
                    and card_type.pos_sale_mode == "top_up",
                },
            )
        return products
