from odoo import models


class MergePartnerAutomatic(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _update_foreign_keys(self, src_partners, dst_partner):
        """Merged customers keep their cards, bookings and figures at once.

        Odoo moves every foreign key (orders, cards, bookings, care records,
        histories, referrals) to ``dst_partner``; the loop's rows of a source
        partner that would clash with the destination's are dropped by that
        move. The engine then recomputes the destination from what it now owns
        (and the referrers of both, whose referrals changed hands).
        """
        referrers = (src_partners | dst_partner).loop_referred_by_id
        res = super()._update_foreign_keys(src_partners, dst_partner)
        dst_partner.invalidate_recordset()
        self.env["loop.engine"].refresh_partners(dst_partner | referrers)
        return res
