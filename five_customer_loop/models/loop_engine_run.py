from odoo import fields, models


class LoopEngineRun(models.Model):
    """Where the nightly full run stands: one row, written with each batch.

    A record of its own rather than a system parameter: writing a parameter
    clears the registry caches of every worker, at every batch. The row is
    written in the batch's transaction, so a run killed mid-way resumes where
    its last committed batch ended.
    """

    _name = "loop.engine.run"
    _description = "Loop Engine Run State"

    day = fields.Date(help="The store's day the run belongs to.")
    phase = fields.Integer(help="0: statistics, 1: classification, 2: done.")
    cursor = fields.Integer(help="The last partner id of the last committed batch.")
    done = fields.Integer(help="Partners processed by the run so far.")
    total = fields.Integer(help="Partners when the run started (for its progress).")

    def _state(self):
        """The run's row (created on first use)."""
        return self.search([], limit=1, order="id") or self.create({})
