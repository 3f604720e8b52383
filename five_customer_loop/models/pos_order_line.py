from odoo import api, fields, models


class PosOrderLine(models.Model):
    _inherit = "pos.order.line"

    loop_card_id = fields.Many2one(
        "loop.card",
        string="Package Used",
        index="btree_not_null",
        readonly=True,
        check_company=True,
        help="The session package this service was taken from: the line is free "
        "and each unit uses one session of the card when the order is paid.",
    )

    @api.model
    def _load_pos_data_fields(self, config_id):
        fields_list = super()._load_pos_data_fields(config_id)
        return [*fields_list, "loop_card_id"]
