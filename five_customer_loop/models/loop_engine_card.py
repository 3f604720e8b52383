from odoo import api, models
from odoo.tools import SQL


class LoopEngine(models.AbstractModel):
    _inherit = "loop.engine"

    @api.model
    def _candidates(self, company, ids):
        """Card holders take part in the loop even before their first paid order.

        A customer issued a card in the back office (or whose card sale is not
        yet a paid order) is locked in: one more query per batch.
        """
        candidates = super()._candidates(company, ids)
        self.env["loop.card"].flush_model(["partner_id", "company_id"])
        holders = self.env.execute_query(
            SQL(
                """SELECT DISTINCT partner_id FROM loop_card
                    WHERE company_id = %s AND partner_id = ANY(%s)""",
                company.id,
                list(ids),
            )
        )
        return sorted(set(candidates) | {row[0] for row in holders})
