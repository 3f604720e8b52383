"""The card liability statement per shop: the POS shop of the moves."""

from odoo import fields, models
from odoo.tools import SQL


class LoopCardLiabilityLine(models.TransientModel):
    _inherit = "loop.card.liability.line"
    _order = "company_id, type_id, pos_config_id, id"

    pos_config_id = fields.Many2one(
        "pos.config",
        string="Point of Sale",
        readonly=True,
        help="The shop of the moves' POS orders; empty for moves made outside the POS.",
    )


class LoopCardLiabilityWizard(models.TransientModel):
    _inherit = "loop.card.liability.wizard"

    def _line_splits(self):
        return {**super()._line_splits(), "pos_config_id": SQL("m.pos_config_id")}
