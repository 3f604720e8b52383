from odoo import api, models

from .res_partner import POS_LOOP_FIELDS


# one concern of the customer per file, on purpose (see res_partner.py)
class ResPartner(models.Model):
    """What the till shows of a customer's loop status."""

    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _load_pos_data_fields(self, config_id):
        # the figures are those of the POS company (the POS session puts it in
        # the context)
        return [*super()._load_pos_data_fields(config_id), *POS_LOOP_FIELDS]
