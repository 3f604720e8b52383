from odoo import api, models
from odoo.tools import SQL


class ProductTemplate(models.Model):
    _inherit = "product.template"

    @api.model
    def _loop_sold_services(self):
        """The services of the till are booked too."""
        return SQL("(%s OR t.available_in_pos)", super()._loop_sold_services())
