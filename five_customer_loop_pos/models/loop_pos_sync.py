from odoo import api, fields, models
from odoo.tools import SQL


class LoopPosSync(models.Model):
    """The orders the tills have sent, by uuid: one row each, claimed before
    the order is saved.

    A till that timed out sends the same order again while the first request
    is still running. Odoo's ``sync_from_ui`` looks the uuid up, finds nothing
    in either transaction and would save the order twice. Both requests now
    insert the uuid here first: the second waits for the first, then fails to
    serialise and Odoo runs it again, when it finds the saved order and
    answers with it (the order, its payments and its card moves once).
    """

    _name = "loop.pos.sync"
    _description = "Order Received from a Till"
    _log_access = False

    uuid = fields.Char(required=True, readonly=True)
    received = fields.Datetime(
        required=True, readonly=True, default=fields.Datetime.now
    )

    _sql_constraints = [
        ("uuid_unique", "UNIQUE(uuid)", "A till's order is received once."),
    ]

    @api.model
    def _claim(self, uuids):
        """Claim the till orders ``uuids`` for this transaction (see above)."""
        uuids = sorted({uuid for uuid in uuids if uuid})
        if uuids:
            self.env.cr.execute(
                SQL(
                    """INSERT INTO loop_pos_sync (uuid, received)
                       SELECT u, %s FROM unnest(%s::varchar[]) AS u
                       ON CONFLICT (uuid) DO NOTHING""",
                    self.env.cr.now(),
                    uuids,
                )
            )
