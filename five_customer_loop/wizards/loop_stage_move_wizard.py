from odoo import api, fields, models


class LoopStageMoveWizard(models.TransientModel):
    _name = "loop.stage.move.wizard"
    _description = "Move Customers to a Stage"

    partner_ids = fields.Many2many("res.partner", string="Customers", required=True)
    stage_id = fields.Many2one("loop.stage", string="New Stage", required=True)
    reason = fields.Char(required=True)
    pin = fields.Boolean(
        string="Pin the Stage",
        default=True,
        help="Keep the customers in this stage until a manager releases them; "
        "otherwise the next recompute applies the rules again.",
    )

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if (
            "partner_ids" in fields_list
            and self.env.context.get("active_model") == "res.partner"
        ):
            res["partner_ids"] = [
                fields.Command.set(self.env.context.get("active_ids", []))
            ]
        return res

    def action_apply(self):
        self.ensure_one()
        self.partner_ids._loop_move_stage(self.stage_id, self.reason, pin=self.pin)
        return {"type": "ir.actions.act_window_close"}
