from odoo import fields, models
from odoo.tools import SQL


class MergePartnerAutomatic(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _update_foreign_keys(self, src_partners, dst_partner):
        """Merged customers keep their cards, bookings and figures at once.

        Odoo moves every foreign key (orders, cards, bookings, care records,
        histories, referrals) to ``dst_partner``; the loop's rows of a source
        partner that would clash with the destination's are dropped by that
        move. The engine then recomputes the destination from what it now owns
        (and the referrers of both, whose referrals changed hands).

        The stage history keeps one open stay per company: where the
        destination is in the loop, the source's open stay ends at the merge
        (the destination's row is the one kept); elsewhere it continues.
        """
        referrers = (src_partners | dst_partner).loop_referred_by_id
        self.env["loop.stage.history"].flush_model()
        self.env.cr.execute(
            SQL(
                """UPDATE loop_stage_history s SET date_end = %(now)s
                    WHERE s.partner_id = ANY(%(src)s) AND s.date_end IS NULL
                      AND EXISTS (SELECT 1 FROM loop_stage_history d
                                   WHERE d.partner_id = %(dst)s
                                     AND d.company_id = s.company_id
                                     AND d.date_end IS NULL)""",
                now=fields.Datetime.now(),
                src=src_partners.ids,
                dst=dst_partner.id,
            )
        )
        self.env["loop.stage.history"].invalidate_model(["date_end"])
        res = super()._update_foreign_keys(src_partners, dst_partner)
        dst_partner.invalidate_recordset()
        self.env["loop.engine"].refresh_partners(dst_partner | referrers)
        return res
