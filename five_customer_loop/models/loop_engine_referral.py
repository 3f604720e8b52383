from odoo import api, models


class LoopEngine(models.AbstractModel):
    _inherit = "loop.engine"

    @api.model
    def _after_refresh(self, partners):
        """Referral rewards follow the paid visits of the referred customers."""
        res = super()._after_refresh(partners)
        self.env["loop.referral.reward"]._sync_partners(partners)
        return res
