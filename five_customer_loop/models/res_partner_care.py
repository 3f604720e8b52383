"""The care archive and the feedback seen from the customer.

Kept apart from ``res_partner.py`` (basic and consumption archives) so that
each archive's partner side reads on its own.
"""

from odoo import fields, models

from .res_partner import SENSITIVE


class ResPartner(models.Model):
    _inherit = "res.partner"

    loop_care_record_ids = fields.One2many(
        "loop.care.record", "partner_id", string="Care Records", groups=SENSITIVE
    )
    loop_care_count = fields.Integer(
        string="Care Record Count", compute="_compute_loop_care_count", groups=SENSITIVE
    )
    loop_feedback_ids = fields.One2many(
        "loop.feedback", "partner_id", string="Feedback", groups=SENSITIVE
    )
    loop_feedback_count = fields.Integer(
        string="Feedback Count",
        compute="_compute_loop_feedback_count",
        groups=SENSITIVE,
    )
    loop_feedback_open_count = fields.Integer(
        string="Open Feedback", compute="_compute_loop_feedback_count", groups=SENSITIVE
    )

    def _compute_loop_care_count(self):
        counts = dict(
            self.env["loop.care.record"]._read_group(
                [("partner_id", "in", self.ids), ("state", "!=", "cancelled")],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.loop_care_count = counts.get(partner, 0)

    def _compute_loop_feedback_count(self):
        rows = self.env["loop.feedback"]._read_group(
            [("partner_id", "in", self.ids)], ["partner_id", "state"], ["__count"]
        )
        total, open_ = {}, {}
        for partner, state, count in rows:
            total[partner] = total.get(partner, 0) + count
            if state in ("new", "in_progress"):
                open_[partner] = open_.get(partner, 0) + count
        for partner in self:
            partner.loop_feedback_count = total.get(partner, 0)
            partner.loop_feedback_open_count = open_.get(partner, 0)

    def action_loop_view_care_records(self):
        return self._loop_open_related(
            "five_customer_loop.loop_care_record_action", "partner_id"
        )

    def action_loop_view_feedback(self):
        return self._loop_open_related(
            "five_customer_loop.loop_feedback_action", "partner_id"
        )
