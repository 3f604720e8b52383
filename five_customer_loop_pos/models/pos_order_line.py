from odoo import api, fields, models
from odoo.tools import SQL


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
    loop_staff_id = fields.Many2one(
        "res.users",
        string="Served By",
        index="btree_not_null",
        domain="[('share', '=', False)]",
        help="The staff member credited with this line (the beautician who did "
        "the service, the one who sold the card). The till proposes the staff "
        "member of the customer's booking today, else the cashier; a line naming "
        "nobody goes to the staff member of the customer's done booking that "
        "day, else to the cashier.",
    )

    def init(self):
        res = super().init()
        # The loop engine reads the products sold to a batch of customers (repurchase
        # rate, top products) by order: with the product and quantity in the index,
        # PostgreSQL answers from the index instead of reading the whole line table
        # for every batch.
        self.env.cr.execute(
            SQL(
                """CREATE INDEX IF NOT EXISTS pos_order_line_loop_order_index
                       ON pos_order_line (order_id) INCLUDE (product_id, qty)"""
            )
        )

        return res

    @api.model
    def _load_pos_data_fields(self, config_id):
        fields_list = super()._load_pos_data_fields(config_id)
        return [*fields_list, "loop_card_id", "loop_staff_id"]
