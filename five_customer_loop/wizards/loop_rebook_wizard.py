"""Reverse appointment (反预约): book the next visit when a service is done."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_datetime

from ..lib import booking_rules as rules
from ..models.calendar_event import TIME_FORMAT

INTERVAL_SOURCES = [
    (rules.INTERVAL_SERVICE, "The service's rebooking interval"),
    (rules.INTERVAL_CUSTOMER, "The customer's own average interval"),
    (rules.INTERVAL_DEFAULT, "The store's default interval"),
]


class LoopRebookWizard(models.TransientModel):
    _name = "loop.rebook.wizard"
    _description = "Book the Next Visit"

    event_id = fields.Many2one(
        "calendar.event",
        string="Done Booking",
        required=True,
        readonly=True,
        ondelete="cascade",
        domain="[('is_loop_booking', '=', True)]",
    )
    partner_id = fields.Many2one(related="event_id.loop_partner_id", string="Customer")
    staff_id = fields.Many2one(
        "res.users",
        compute="_compute_from_event",
        store=True,
        readonly=False,
        domain="[('share', '=', False)]",
    )
    service_ids = fields.Many2many(
        "product.product",
        "loop_rebook_wizard_service_rel",
        "wizard_id",
        "product_id",
        string="Services",
        compute="_compute_from_event",
        store=True,
        readonly=False,
        domain="[('type', '=', 'service')]",
    )
    card_id = fields.Many2one(
        "loop.card",
        string="Card to Use",
        compute="_compute_card_id",
        store=True,
        readonly=False,
        domain="[('partner_id', '=', partner_id), ('kind', '=', 'session'), "
        "('state', '=', 'active')]",
    )
    interval_days = fields.Integer(
        string="Next Visit In (days)",
        compute="_compute_interval",
        store=True,
        readonly=False,
    )
    interval_source = fields.Selection(
        INTERVAL_SOURCES,
        string="Proposed From",
        compute="_compute_interval",
        store=True,
    )
    start = fields.Datetime(
        string="Next Visit",
        compute="_compute_start",
        store=True,
        readonly=False,
        help="Proposed: the interval after today, at the time of the done booking.",
    )
    duration = fields.Float(
        string="Duration (hours)",
        compute="_compute_duration",
        store=True,
        readonly=False,
    )
    conflict = fields.Char(
        string="Staff Busy",
        compute="_compute_conflict",
        help="The staff member already has a booking at that time.",
    )

    # ------------------------------------------------------------------ computes
    @api.depends("event_id")
    def _compute_from_event(self):
        for wizard in self:
            wizard.staff_id = wizard.event_id.loop_staff_id or self.env.user
            wizard.service_ids = wizard.event_id.loop_service_ids

    @api.depends("event_id", "service_ids")
    def _compute_card_id(self):
        for wizard in self:
            event = wizard.event_id
            services = wizard.service_ids
            card = event.loop_card_id
            if not (card and card.state == "active" and services):
                card = self.env["loop.card"]
            elif event._loop_card_sessions_left(card, services._origin) <= 0:
                card = self.env["loop.card"]
            if not card and event.loop_partner_id and services:
                card = event._loop_pick_card(event.loop_partner_id, services)
            wizard.card_id = card

    @api.depends("event_id", "service_ids")
    def _compute_interval(self):
        for wizard in self:
            if not wizard.event_id:
                wizard.interval_days = 0
                wizard.interval_source = False
                continue
            days, source = wizard.event_id._loop_rebook_interval(
                wizard.service_ids or wizard.event_id.loop_service_ids
            )
            wizard.interval_days = days
            wizard.interval_source = source

    @api.depends("event_id", "interval_days")
    def _compute_start(self):
        for wizard in self:
            event = wizard.event_id
            if not event:
                wizard.start = False
                continue
            done = event.loop_done_date or fields.Datetime.now()
            local = rules.proposed_local_start(
                event._loop_local(done).date(),
                event._loop_local(event.start).time(),
                wizard.interval_days,
            )
            wizard.start = event._loop_utc(local)

    @api.depends("service_ids")
    def _compute_duration(self):
        for wizard in self:
            wizard.duration = self.env["calendar.event"]._loop_services_duration(
                wizard.service_ids
            )

    @api.depends("staff_id", "start", "duration")
    def _compute_conflict(self):
        for wizard in self:
            wizard.conflict = False
            if not (wizard.staff_id and wizard.start and wizard.duration > 0):
                continue
            stop = wizard.start + timedelta(minutes=round(wizard.duration * 60))
            other = wizard._busy_booking(wizard.start, stop)
            if other:
                tz = wizard.event_id._loop_tz()
                wizard.conflict = self.env._(
                    "Already booked from %(start)s to %(stop)s (%(booking)s)",
                    start=format_datetime(self.env, other.start, tz, TIME_FORMAT),
                    stop=format_datetime(self.env, other.stop, tz, "HH:mm"),
                    booking=other.name,
                )

    def _busy_booking(self, start, stop):
        """The staff member's booking overlapping ``start``-``stop``, if any."""
        self.ensure_one()
        self.env["calendar.event"].flush_model(
            [
                "start",
                "stop",
                "loop_staff_id",
                "loop_state",
                "is_loop_booking",
                "active",
            ]
        )
        rows = self.env.execute_query(
            SQL(
                """SELECT id FROM calendar_event
                    WHERE loop_staff_id = %(staff)s AND is_loop_booking AND active
                      AND loop_state NOT IN %(free)s
                      AND start < %(stop)s AND stop > %(start)s
                    ORDER BY start LIMIT 1""",
                staff=self.staff_id.id,
                free=rules.FREE_STATES,
                start=start,
                stop=stop,
            )
        )
        return self.env["calendar.event"].browse(rows[0][0]) if rows else None

    # -------------------------------------------------------------------- actions
    def action_book(self):
        """Book the next visit, linked to the done booking; open it."""
        self.ensure_one()
        if self.event_id.loop_state != rules.DONE:
            raise UserError(
                self.env._(
                    "The next visit is booked from a done booking; %(booking)s is "
                    "not done.",
                    booking=self.event_id.name,
                )
            )
        if not (self.service_ids and self.staff_id and self.start):
            raise UserError(
                self.env._("Choose the time, staff and services of the next visit.")
            )
        if self.duration <= 0:
            raise UserError(self.env._("The next visit needs a positive duration."))
        event = self.event_id
        booking = self.env["calendar.event"].create(
            {
                "is_loop_booking": True,
                "loop_partner_id": event.loop_partner_id.id,
                "loop_staff_id": self.staff_id.id,
                "loop_service_ids": [fields.Command.set(self.service_ids.ids)],
                "loop_card_id": self.card_id.id,
                "loop_company_id": event.loop_company_id.id,
                "loop_rebooked_from_id": event.id,
                "start": self.start,
                "duration": self.duration,
            }
        )
        booking.message_post(
            body=self.env._(
                "Booked when %(booking)s was done (reverse appointment).",
                booking=event.name,
            )
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.calendar_event_action_loop_booking"
        )
        action.update(
            res_id=booking.id,
            view_mode="form",
            views=[
                (
                    self.env.ref("five_customer_loop.calendar_event_view_form_loop").id,
                    "form",
                )
            ],
            target="current",
        )
        return action
