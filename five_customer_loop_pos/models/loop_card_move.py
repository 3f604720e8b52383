"""A card move at the till: the POS order it comes from and that order's shop."""

from odoo import fields, models


class LoopCardMove(models.Model):
    _inherit = "loop.card.move"

    pos_order_id = fields.Many2one(
        "pos.order",
        string="POS Order",
        readonly=True,
        ondelete="restrict",
        index="btree_not_null",
    )
    pos_config_id = fields.Many2one(
        "pos.config",
        string="Point of Sale",
        readonly=True,
        index="btree_not_null",
        help="The shop of the move's POS order.",
    )

    def _reversal_values(self):
        """A reversal stays in the shop of the move it reverses."""
        return {**super()._reversal_values(), "pos_config_id": self.pos_config_id.id}
