"""Complaints, suggestions and praise of customers (投诉与建议)."""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .loop_care_record import SATISFACTION, normalize_satisfaction

FEEDBACK_STATES = [
    ("new", "New"),
    ("in_progress", "In Progress"),
    ("resolved", "Resolved"),
    ("rejected", "Rejected"),
]
CLOSED = ("resolved", "rejected")


class LoopFeedback(models.Model):
    _name = "loop.feedback"
    _description = "Customer Feedback"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Subject", required=True, tracking=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        tracking=True,
    )
    kind = fields.Selection(
        [
            ("complaint", "Complaint"),
            ("suggestion", "Suggestion"),
            ("praise", "Praise"),
        ],
        required=True,
        tracking=True,
    )
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    description = fields.Text(help="What the customer said, in their words.")
    satisfaction = fields.Selection(
        SATISFACTION,
        default="0",
        required=True,
        help="How satisfied the customer said they were, from 1 to 5 stars.",
    )
    staff_user_id = fields.Many2one(
        "res.users",
        string="Staff Concerned",
        index="btree_not_null",
        check_company=True,
        help="The staff member the feedback is about, if any.",
    )
    care_record_id = fields.Many2one(
        "loop.care.record",
        index="btree_not_null",
        ondelete="set null",
        check_company=True,
        domain="[('partner_id', '=', partner_id)]",
        help="The service the feedback is about, if any.",
    )
    state = fields.Selection(
        FEEDBACK_STATES,
        string="Status",
        required=True,
        default="new",
        copy=False,
        tracking=True,
        group_expand=True,
    )
    resolution = fields.Text(
        copy=False,
        help="What was done about it; required to resolve or reject the feedback.",
    )
    date_closed = fields.Datetime(string="Closed On", readonly=True, copy=False)
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        index=True,
        check_company=True,
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )

    # ---------------------------------------------------------------- constraints
    @api.constrains("state", "resolution")
    def _check_resolution(self):
        for feedback in self:
            if feedback.state in CLOSED and not (feedback.resolution or "").strip():
                raise ValidationError(self._resolution_message(feedback.name))

    def _resolution_message(self, subject):
        return self.env._(
            "Write down the resolution of “%(subject)s” before closing it: what "
            "was done for the customer, or why the feedback is rejected.",
            subject=subject,
        )

    @api.onchange("care_record_id")
    def _onchange_care_record_id(self):
        if self.care_record_id and not self.staff_user_id:
            self.staff_user_id = self.care_record_id.user_id

    # ----------------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [normalize_satisfaction(self.env, vals) for vals in vals_list]
        for vals in vals_list:
            if (
                vals.get("state") in CLOSED
                and not (vals.get("resolution") or "").strip()
            ):
                raise ValidationError(self._resolution_message(vals.get("name")))
        return super().create([self._stamp_closing(vals) for vals in vals_list])

    def write(self, vals):
        vals = normalize_satisfaction(self.env, vals)
        if vals.get("state") in CLOSED or "resolution" in vals:
            for feedback in self:
                state = vals.get("state", feedback.state)
                resolution = vals.get("resolution", feedback.resolution)
                if state in CLOSED and not (resolution or "").strip():
                    raise ValidationError(self._resolution_message(feedback.name))
        return super().write(self._stamp_closing(vals))

    @api.model
    def _stamp_closing(self, vals):
        """Stamp the closing time when feedback is resolved or rejected."""
        if "state" not in vals:
            return vals
        closed = fields.Datetime.now() if vals["state"] in CLOSED else False
        return {**vals, "date_closed": closed}

    # -------------------------------------------------------------------- actions
    def action_start(self):
        if any(feedback.state != "new" for feedback in self):
            raise UserError(self.env._("Only new feedback can be taken in hand."))
        self.filtered(lambda f: not f.user_id).user_id = self.env.user
        self.write({"state": "in_progress"})
        return True

    def action_resolve(self):
        self._check_open()
        self.write({"state": "resolved"})
        return True

    def action_reject(self):
        self._check_open()
        self.write({"state": "rejected"})
        return True

    def action_reopen(self):
        if any(feedback.state not in CLOSED for feedback in self):
            raise UserError(
                self.env._("Only resolved or rejected feedback can be reopened.")
            )
        self.write({"state": "in_progress"})
        return True

    def _check_open(self):
        if any(feedback.state in CLOSED for feedback in self):
            raise UserError(self.env._("This feedback is already closed."))
