"""The prepaid cards in the POS: the till loads its customers' cards."""

from odoo import api, fields, models


class LoopCard(models.Model):
    _name = "loop.card"
    _inherit = ["loop.card", "pos.load.mixin"]

    pos_sessions = fields.Json(
        string="Sessions per Service",
        compute="_compute_pos_sessions",
        help="Sessions left per service (product id): what the till may take "
        "from the package.",
    )

    def _compute_pos_sessions(self):
        figures = self._ledger_figures() if self.ids else {}
        for card in self:
            products = figures.get(card.id, {}).get("products", {})
            card.pos_sessions = {
                str(product_id): sessions
                for product_id, (sessions, _value) in products.items()
                if sessions > 0
            }

    @api.model
    def _load_pos_data_domain(self, data):
        """The active cards of the customers the till loaded."""
        config = self.env["pos.config"].browse(data["pos.config"]["data"][0]["id"])
        partner_ids = [partner["id"] for partner in data["res.partner"]["data"]]
        return [
            ("partner_id", "in", partner_ids),
            ("company_id", "=", config.company_id.id),
            ("state", "=", "active"),
        ]

    @api.model
    def _load_pos_data_fields(self, config_id):
        return [
            "id",
            "code",
            "display_name",
            "partner_id",
            "kind",
            "state",
            "expiry_date",
            "balance",
            "sessions_left",
            "pos_sessions",
            "write_date",
        ]

    @api.model
    def _origin_fields(self):
        """A card move may also come from a POS order."""
        return ("pos_order_id", *super()._origin_fields())

    def _prepare_move(self, vals):
        """A move of a POS order keeps the order's shop."""
        vals = super()._prepare_move(vals)
        if vals.get("pos_order_id"):
            order = self.env["pos.order"].browse(vals["pos_order_id"])
            vals["pos_config_id"] = order.config_id.id
        return vals
