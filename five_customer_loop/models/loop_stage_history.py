from odoo import fields, models


class LoopStageHistory(models.Model):
    _name = "loop.stage.history"
    _description = "Loop Stage Change"
    _order = "date desc, id desc"
    _log_access = True

    partner_id = fields.Many2one(
        "res.partner", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    stage_from_id = fields.Many2one("loop.stage", string="From", readonly=True)
    stage_to_id = fields.Many2one(
        "loop.stage", string="To", required=True, readonly=True
    )
    date = fields.Datetime(
        required=True, default=fields.Datetime.now, readonly=True, index=True
    )
    date_end = fields.Datetime(
        string="Left On",
        readonly=True,
        help="When the customer left this stage; empty while they are still in it.",
    )
    kind = fields.Selection(
        [("auto", "Automatic"), ("manual", "Manual")],
        required=True,
        default="auto",
        readonly=True,
    )
    reason = fields.Char(readonly=True)
    reconstructed = fields.Boolean(
        readonly=True,
        help="Derived from the order history at a month-end (the stage the rules "
        "gave on that day), not recorded when it happened. Rebuilt by "
        "Reconstruct History.",
    )
    user_id = fields.Many2one("res.users", string="By", readonly=True)
    days_in_stage = fields.Float(
        compute="_compute_days_in_stage", string="Days in Stage"
    )

    def _compute_days_in_stage(self):
        now = fields.Datetime.now()
        for row in self:
            row.days_in_stage = (
                (row.date_end or now) - row.date
            ).total_seconds() / 86400.0
