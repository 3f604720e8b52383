from odoo import fields, models


class LoopEngineRun(models.Model):
    _inherit = "loop.engine.run"

    queued_day = fields.Date(
        help="The store's day whose full run was last handed to the job queue."
    )
