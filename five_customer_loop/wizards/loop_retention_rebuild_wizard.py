from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..lib import retention_rules


def _last_month(wizard):
    today = fields.Date.context_today(wizard)
    return retention_rules.add_months(today, -1)


class LoopRetentionRebuildWizard(models.TransientModel):
    _name = "loop.retention.rebuild.wizard"
    _description = "Rebuild Retention Snapshots"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    month_from = fields.Date(
        string="From Month",
        required=True,
        default=lambda self: _last_month(self) - relativedelta(months=11),
        help="Any day of the first month to rebuild.",
    )
    month_to = fields.Date(
        string="To Month",
        required=True,
        default=_last_month,
        help="Any day of the last month to rebuild; it must have ended.",
    )

    @api.model
    def _months(self, month_from, month_to):
        if month_from > month_to:
            raise UserError(
                self.env._("The first month to rebuild comes after the last one.")
            )
        return retention_rules.months_between(month_from, month_to)

    def action_rebuild(self):
        self.ensure_one()
        months = self._months(self.month_from, self.month_to)
        Snapshot = self.env["loop.retention.snapshot"].with_company(self.company_id)
        Snapshot._check_months(self.company_id, months)
        Snapshot._rebuild(self.company_id, months)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.loop_retention_snapshot_action"
        )
        action["domain"] = [
            ("company_id", "=", self.company_id.id),
            ("month", ">=", months[0]),
            ("month", "<=", months[-1]),
        ]
        return action
