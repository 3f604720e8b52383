"""The care archive (护理档案): one record per service delivered to a customer."""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

# '0' is "not rated yet": the priority widget shows no star for the first value,
# so the five stars are the ratings 1 to 5.
SATISFACTION = [
    ("0", "Not Rated"),
    ("1", "Very Dissatisfied"),
    ("2", "Dissatisfied"),
    ("3", "Neutral"),
    ("4", "Satisfied"),
    ("5", "Very Satisfied"),
]
SATISFACTION_VALUES = {value for value, _label in SATISFACTION}


def normalize_satisfaction(env, vals):
    """Refuse a satisfaction outside 1-5 with a clear message (before writing).

    Integers 1 to 5 are accepted and stored as the matching selection value;
    False or 0 mean "not rated".
    """
    if "satisfaction" not in vals:
        return vals
    value = vals["satisfaction"]
    if value in (False, None, 0, "0"):
        return {**vals, "satisfaction": "0"}
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value not in SATISFACTION_VALUES:
        raise ValidationError(
            env._(
                "Satisfaction is a rating from 1 to 5 stars, not %(value)s.",
                value=vals["satisfaction"],
            )
        )
    return {**vals, "satisfaction": value}


class LoopCareRecord(models.Model):
    _name = "loop.care.record"
    _description = "Care Record"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _rec_names_search = ["partner_id", "product_id"]
    _check_company_auto = True

    date = fields.Datetime(
        required=True, default=fields.Datetime.now, index=True, tracking=True
    )
    duration = fields.Float(
        string="Duration (hours)",
        default=1.0,
        help="How long the service took; it sizes the record in the calendar.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        tracking=True,
    )
    product_id = fields.Many2one(
        "product.product",
        string="Service",
        required=True,
        ondelete="restrict",
        check_company=True,
        tracking=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Staff",
        default=lambda self: self.env.user,
        index=True,
        check_company=True,
        tracking=True,
        help="The staff member who delivered the service.",
    )
    calendar_event_id = fields.Many2one(
        "calendar.event",
        string="Booking",
        index="btree_not_null",
        ondelete="set null",
        help="The appointment this service was delivered for.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("done", "Done"), ("cancelled", "Cancelled")],
        string="Status",
        required=True,
        default="draft",
        copy=False,
        tracking=True,
    )
    condition_before = fields.Text(
        help="Skin or body condition seen before the service.",
    )
    condition_after = fields.Text(help="Result seen at the end of the service.")
    product_ids = fields.Many2many(
        "product.product",
        "loop_care_record_product_rel",
        "care_record_id",
        "product_id",
        string="Products Used",
        check_company=True,
    )
    note = fields.Html(string="Notes")
    photo_ids = fields.Many2many(
        "ir.attachment",
        "loop_care_record_photo_rel",
        "care_record_id",
        "attachment_id",
        string="Photos",
        copy=False,
        help="Before and after photos; they also appear in the chatter.",
    )
    satisfaction = fields.Selection(
        SATISFACTION,
        default="0",
        required=True,
        tracking=True,
        help="Rating from 1 to 5 stars.",
    )
    next_visit_date = fields.Date(
        string="Next Recommended Visit",
        help="When the customer should come back for the next session.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )

    # ------------------------------------------------------------------ computes
    @api.depends("partner_id", "product_id", "date")
    def _compute_display_name(self):
        for record in self:
            parts = [record.partner_id.name, record.product_id.name]
            if record.date:
                parts.append(fields.Date.to_string(record._local_date()))
            record.display_name = " · ".join(part for part in parts if part)

    def _local_date(self):
        """The care date in the store's time zone (the day the customer came)."""
        self.ensure_one()
        return self.company_id._loop_date(self.date)

    # ---------------------------------------------------------------- constraints
    @api.constrains("date", "next_visit_date")
    def _check_next_visit_date(self):
        for record in self:
            if record.next_visit_date and record.next_visit_date < record._local_date():
                raise ValidationError(
                    self.env._(
                        "The next recommended visit (%(next)s) cannot be before "
                        "the care date (%(date)s).",
                        next=record.next_visit_date,
                        date=record._local_date(),
                    )
                )

    @api.constrains("duration")
    def _check_duration(self):
        if any(record.duration < 0 for record in self):
            raise ValidationError(
                self.env._("The duration of a service cannot be negative.")
            )

    @api.onchange("calendar_event_id")
    def _onchange_calendar_event_id(self):
        event = self.calendar_event_id
        if event and event.start:
            self.date = event.start
            self.duration = event.duration or self.duration

    # ----------------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [normalize_satisfaction(self.env, vals) for vals in vals_list]
        self._check_partners_active(vals_list)
        records = super().create(vals_list)
        records._link_photos()
        done = records.filtered(lambda r: r.state == "done")
        if done:
            done._on_done()
        records._refresh_customers(records.partner_id)
        return records

    def write(self, vals):
        vals = normalize_satisfaction(self.env, vals)
        self._check_partners_active([vals])
        if "state" in vals:
            self._check_transition(vals["state"])
        old_partners = (
            self.partner_id if "partner_id" in vals else self.env["res.partner"]
        )
        becoming = self.filtered(lambda r: r.state != vals.get("state"))
        res = super().write(vals)
        if "photo_ids" in vals:
            self._link_photos()
        if becoming and vals.get("state") == "done":
            becoming._on_done()
        elif becoming and vals.get("state") == "cancelled":
            becoming._on_cancel()
        if "partner_id" in vals or "state" in vals:
            self._refresh_customers(old_partners | self.partner_id)
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_done(self):
        if any(record.state == "done" for record in self):
            raise UserError(
                self.env._(
                    "A done care record is part of the customer's archive: cancel it "
                    "instead of deleting it."
                )
            )

    def unlink(self):
        partners = self.partner_id
        res = super().unlink()
        self._refresh_customers(partners)
        return res

    def _check_partners_active(self, vals_list):
        """Refuse an archived customer before anything is written."""
        ids = {vals["partner_id"] for vals in vals_list if vals.get("partner_id")}
        archived = self.env["res.partner"].browse(ids).filtered(lambda p: not p.active)
        if archived:
            raise ValidationError(
                self.env._(
                    "%(customer)s is archived: restore the customer before writing a "
                    "care record for them.",
                    customer=archived[0].display_name,
                )
            )

    def _check_transition(self, state):
        allowed = {
            "done": {"draft", "done"},
            "cancelled": {"draft", "done", "cancelled"},
            "draft": {"draft", "cancelled"},
        }
        labels = dict(self._fields["state"]._description_selection(self.env))
        for record in self:
            if record.state not in allowed.get(state, ()):
                raise UserError(
                    self.env._(
                        "The care record %(record)s is %(state)s: "
                        "it cannot become %(new)s.",
                        record=record.display_name,
                        state=labels[record.state],
                        new=labels.get(state, state),
                    )
                )

    def _refresh_customers(self, partners):
        """Recompute the customers' loop figures now, in every company."""
        self.env["loop.engine"].refresh_partners(partners)

    def _link_photos(self):
        """Attach uploaded photos to their record, so the chatter lists them too.

        The upload widget creates them with ``res_id = 0`` on a new record.
        """
        for record in self:
            unlinked = record.photo_ids.filtered(
                lambda a, r=record: a.res_model != r._name or a.res_id != r.id
            )
            if unlinked:
                unlinked.write({"res_model": record._name, "res_id": record.id})

    # -------------------------------------------------------------------- actions
    def action_done(self):
        self.write({"state": "done"})
        return True

    def action_cancel(self):
        self.write({"state": "cancelled"})
        return True

    def action_draft(self):
        self.write({"state": "draft"})
        return True

    # ------------------------------------------------------------ business hooks
    def _on_done(self):
        """Called once when records become done (also when created done).

        Extension point: the prepaid cards consume the session of the service
        here. The default hands the post-service follow-up (回访) occasion to
        the running follow-up campaigns.
        """
        self.env["loop.occasion"]._follow_ups(self)

    def _on_cancel(self):
        """Called once when records are cancelled (from draft or from done).

        Extension point: the prepaid cards reverse the session consumed by a
        done record here. The default drops the follow-up of a service day
        that no longer happened (and the follow-up activities that versions
        before 18.0.1.3.0 put on the record itself).
        """
        self.env["loop.occasion"]._cancel_follow_ups(self)
        legacy = self.env.ref(
            "five_customer_loop.mail_activity_type_care_follow_up",
            raise_if_not_found=False,
        )
        self.activity_ids.filtered(lambda a: a.activity_type_id == legacy).unlink()
