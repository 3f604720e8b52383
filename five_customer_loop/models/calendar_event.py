"""Bookings (预约管理): calendar events with a customer, a staff member and services.

A booking is an ordinary ``calendar.event`` flagged ``is_loop_booking``: it
shows in the Odoo calendar of its staff member (organizer and attendee) and of
the store, reminds the customer through Odoo's calendar alarms, and runs
booked -> confirmed -> arrived -> done (or no-show / cancelled). Completing it
writes the care records of its services (which take the sessions from the
attached card) and proposes the next visit (反预约).
"""

from datetime import datetime, timedelta

import pytz

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, format_datetime

from ..lib import booking_rules as rules

BOOKING_STATES = [
    (rules.BOOKED, "Booked"),
    (rules.CONFIRMED, "Confirmed"),
    (rules.ARRIVED, "Arrived"),
    (rules.DONE, "Done"),
    (rules.NO_SHOW, "No-show"),
    (rules.CANCELLED, "Cancelled"),
]
# Calendar colour of each state (Odoo's colour palette indexes).
STATE_COLORS = {
    rules.BOOKED: 4,
    rules.CONFIRMED: 8,
    rules.ARRIVED: 2,
    rules.DONE: 10,
    rules.NO_SHOW: 1,
    rules.CANCELLED: 0,
}
# What a done (or no-show, cancelled) booking keeps as it was.
LOCKED_FIELDS = (
    "loop_partner_id",
    "loop_staff_id",
    "loop_service_ids",
    "loop_card_id",
    "start",
    "stop",
    "duration",
    "loop_company_id",
)
DEFAULT_ALARMS = (
    "five_customer_loop.calendar_alarm_booking_mail_1day",
    "calendar.alarm_notif_4",
)
LOOP_USER = "five_customer_loop.group_loop_user"
TIME_FORMAT = "yyyy-MM-dd HH:mm"


def _command_ids(commands):
    """Ids set by x2many commands (``SET``, ``LINK``...); ``None`` if unknown."""
    ids = []
    for command in commands or []:
        if isinstance(command, int):
            ids.append(command)
        elif command[0] == Command.SET:
            ids = list(command[2])
        elif command[0] == Command.LINK:
            ids.append(command[1])
        elif command[0] == Command.UNLINK:
            ids = [i for i in ids if i != command[1]]
        elif command[0] == Command.CLEAR:
            ids = []
        else:
            return None
    return ids


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    is_loop_booking = fields.Boolean(
        string="Is a Booking",
        index=True,
        copy=True,
        help="A customer's visit to the store, with a staff member and services.",
    )
    loop_partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        index="btree_not_null",
        ondelete="restrict",
        tracking=True,
    )
    loop_staff_id = fields.Many2one(
        "res.users",
        string="Staff",
        index="btree_not_null",
        domain="[('share', '=', False)]",
        default=lambda self: self._default_loop_staff_id(),
        tracking=True,
        help="The staff member (指定美容师) the customer booked: they cannot be in two "
        "bookings at the same time.",
    )
    loop_service_ids = fields.Many2many(
        "product.product",
        "calendar_event_loop_service_rel",
        "event_id",
        "product_id",
        string="Services",
        domain="[('type', '=', 'service'), ('loop_bookable', '=', True)]",
        help="The booking lasts the sum of the services' durations.",
    )
    loop_card_id = fields.Many2one(
        "loop.card",
        string="Card to Use",
        index="btree_not_null",
        ondelete="restrict",
        domain="[('partner_id', '=', loop_partner_id), ('kind', '=', 'session'), "
        "('state', '=', 'active')]",
        tracking=True,
        help="A session package of the customer: when the booking is done, one "
        "session of each service on the card is used.",
    )
    loop_state = fields.Selection(
        BOOKING_STATES,
        string="Booking Status",
        default=rules.BOOKED,
        index=True,
        copy=False,
        tracking=True,
    )
    loop_company_id = fields.Many2one(
        "res.company",
        string="Store",
        index="btree_not_null",
        default=lambda self: self.env.company,
        help="The company (store) the customer visits; its time zone is the "
        "store's local time.",
    )
    loop_booked_on = fields.Datetime(
        string="Booked On",
        default=lambda self: fields.Datetime.now(),
        readonly=True,
        copy=False,
        help="When the booking was made.",
    )
    loop_done_date = fields.Datetime(
        string="Completed On", readonly=True, copy=False, index="btree_not_null"
    )
    loop_rebooked_from_id = fields.Many2one(
        "calendar.event",
        string="Rebooked From",
        index="btree_not_null",
        ondelete="set null",
        copy=False,
        help="The done booking after which this visit was booked (反预约).",
    )
    loop_rebooking_ids = fields.One2many(
        "calendar.event", "loop_rebooked_from_id", string="Next Bookings"
    )
    loop_is_rebooked = fields.Boolean(
        string="Rebooked",
        compute="_compute_loop_is_rebooked",
        help="The customer's next visit was booked within a day of completing "
        "this booking.",
    )
    loop_care_record_ids = fields.One2many(
        "loop.care.record", "calendar_event_id", string="Care Records"
    )
    loop_care_count = fields.Integer(
        string="Care Record Count", compute="_compute_loop_care_count"
    )
    loop_color = fields.Integer(string="Status Colour", compute="_compute_loop_color")

    @api.model
    def _default_loop_staff_id(self):
        """The user booking, for a booking; plain meetings have no staff member."""
        if self.env.context.get("default_is_loop_booking"):
            return self.env.user
        return self.env["res.users"]

    # ------------------------------------------------------------------ computes
    @api.depends(
        "loop_done_date",
        "loop_rebooking_ids",
        "loop_rebooking_ids.loop_booked_on",
    )
    def _compute_loop_is_rebooked(self):
        for event in self:
            limit = event.loop_done_date and event.loop_done_date + rules.REBOOK_WINDOW
            event.loop_is_rebooked = bool(
                limit
                and any(
                    new.loop_booked_on and new.loop_booked_on <= limit
                    for new in event.loop_rebooking_ids
                )
            )

    @api.depends("loop_care_record_ids")
    def _compute_loop_care_count(self):
        counts = dict(
            self.env["loop.care.record"]._read_group(
                [("calendar_event_id", "in", self.ids), ("state", "!=", "cancelled")],
                ["calendar_event_id"],
                ["__count"],
            )
        )
        for event in self:
            event.loop_care_count = counts.get(event, 0)

    @api.depends("loop_state", "is_loop_booking")
    def _compute_loop_color(self):
        for event in self:
            event.loop_color = (
                STATE_COLORS.get(event.loop_state, 0) if event.is_loop_booking else 0
            )

    # ---------------------------------------------------------------- onchanges
    @api.onchange("loop_service_ids")
    def _onchange_loop_service_ids(self):
        if self.is_loop_booking and self.loop_service_ids:
            self.duration = self._loop_services_duration(self.loop_service_ids)
        self._onchange_loop_pick_card()

    @api.onchange("loop_partner_id")
    def _onchange_loop_pick_card(self):
        if not self.is_loop_booking:
            return
        if self.loop_card_id and self.loop_card_id.partner_id != self.loop_partner_id:
            self.loop_card_id = False
        if self.loop_partner_id and self.loop_service_ids and not self.loop_card_id:
            self.loop_card_id = self._loop_pick_card(
                self.loop_partner_id, self.loop_service_ids
            )

    # ---------------------------------------------------------------- constraints
    @api.constrains(
        "is_loop_booking",
        "loop_partner_id",
        "loop_staff_id",
        "loop_service_ids",
        "loop_card_id",
        "allday",
        "start",
        "stop",
        "duration",
    )
    def _check_loop_booking(self):
        for event in self.filtered("is_loop_booking"):
            if not (
                event.loop_partner_id and event.loop_staff_id and event.loop_service_ids
            ):
                raise ValidationError(
                    self.env._(
                        "A booking needs a customer, a staff member and at least one "
                        "service."
                    )
                )
            if event.allday or event.stop <= event.start:
                raise ValidationError(
                    self.env._(
                        "A booking has a start and an end time, the end after the "
                        "start: %(booking)s.",
                        booking=event.name,
                    )
                )
            card = event.loop_card_id
            if card and (
                card.partner_id != event.loop_partner_id or card.kind != "session"
            ):
                raise ValidationError(
                    self.env._(
                        "Card %(card)s is not a session package of %(customer)s.",
                        card=card.code,
                        customer=event.loop_partner_id.display_name,
                    )
                )
            if card and not (self._loop_card_services(card) & event.loop_service_ids):
                raise ValidationError(
                    self.env._(
                        "Card %(card)s holds none of the booked services.",
                        card=card.code,
                    )
                )

    @api.constrains(
        "is_loop_booking",
        "loop_staff_id",
        "loop_state",
        "start",
        "stop",
        "duration",
        "active",
    )
    def _check_loop_staff_availability(self):
        """No staff member in two bookings at once: one query for the whole batch.

        Bookings that only touch (one ends when the other starts) are fine; no-show
        and cancelled bookings free the time. The query also updates the staff
        members' ``res_users`` rows: two tills booking the same staff member at
        the same moment then conflict in PostgreSQL, and the transaction that
        comes second is retried by Odoo and sees the first booking (as
        ``loop.card`` does for its balance).
        """
        bookings = self.filtered(
            lambda e: e.is_loop_booking
            and e.active
            and e.loop_staff_id
            and e.loop_state not in rules.FREE_STATES
        )
        if not bookings:
            return
        self.flush_model(
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
                """WITH touched AS (
                       UPDATE res_users SET write_date = write_date
                        WHERE id = ANY(%(staff)s) RETURNING id
                   )
                   SELECT e.id, o.id
                     FROM calendar_event e
                     JOIN calendar_event o
                       ON o.loop_staff_id = e.loop_staff_id AND o.id <> e.id
                      AND o.is_loop_booking AND o.active
                      AND o.loop_state NOT IN %(free)s
                      AND o.start < e.stop AND o.stop > e.start
                    WHERE e.id = ANY(%(ids)s)
                    ORDER BY e.id, o.start, o.id
                    LIMIT 1""",
                staff=list(set(bookings.loop_staff_id.ids)),
                ids=bookings.ids,
                free=rules.FREE_STATES,
            )
        )
        if rows:
            event, other = self.browse(rows[0][0]), self.browse(rows[0][1])
            tz = event._loop_tz()
            raise ValidationError(
                self.env._(
                    "%(staff)s is already booked from %(start)s to %(stop)s "
                    "(%(booking)s): choose another time or another staff member.",
                    staff=event.loop_staff_id.name,
                    start=format_datetime(self.env, other.start, tz, TIME_FORMAT),
                    stop=format_datetime(self.env, other.stop, tz, "HH:mm"),
                    booking=other.name,
                )
            )

    # ----------------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        default_booking = self.env.context.get("default_is_loop_booking")
        vals_list = [
            self._loop_prepare_booking(vals)
            if vals.get("is_loop_booking", default_booking)
            or vals.get("loop_partner_id")
            else vals
            for vals in vals_list
        ]
        self._loop_link_rebookings(vals_list)
        events = super().create(vals_list)
        events._loop_enter_prospects()
        return events

    def write(self, vals):
        bookings = self.filtered("is_loop_booking")
        if not bookings and not vals.get("loop_partner_id"):
            return super().write(vals)
        if vals.get("loop_partner_id"):
            vals = {**vals, "is_loop_booking": True}
        new_state = vals.get("loop_state")
        if new_state:
            bookings._loop_check_transition(new_state)
        locked = [name for name in LOCKED_FIELDS if name in vals]
        closed = bookings.filtered(
            lambda e: e.loop_state in (rules.DONE,) + rules.FREE_STATES
            and (not new_state or new_state == e.loop_state)
        )
        if locked and closed:
            raise UserError(
                self.env._(
                    "%(booking)s is %(state)s: its customer, staff, services, card "
                    "and time stay as they were.",
                    booking=closed[0].name,
                    state=closed[0]._loop_state_label(),
                )
            )
        if "loop_service_ids" in vals and not {"duration", "stop"} & set(vals):
            ids = _command_ids(vals["loop_service_ids"])
            if ids:
                services = self.env["product.product"].browse(ids)
                vals = {**vals, "duration": self._loop_services_duration(services)}
        if "loop_staff_id" in vals:
            vals = {**vals, "user_id": vals["loop_staff_id"]}
        becoming = bookings.filtered(lambda e: new_state and e.loop_state != new_state)
        people = {"loop_partner_id", "loop_staff_id"} & set(vals)
        old_people = {
            event: event.loop_partner_id.ids + event.loop_staff_id.partner_id.ids
            for event in self
        }
        res = super().write(vals)
        if "loop_partner_id" in vals or "loop_company_id" in vals:
            self._loop_enter_prospects()
        if people or "loop_service_ids" in vals:
            self._loop_sync_people(old_people, rename="name" not in vals)
        if becoming:
            becoming._loop_on_state(new_state)
        return res

    def _loop_enter_prospects(self):
        """A booked person takes part in the loop of the booking's store at once.

        Until her first paid visit she is a prospect there (DOMAIN
        "Prospects"); the engine runs only for those not in that loop yet.
        """
        newcomers = self.env["res.partner"]
        for event in self.filtered(lambda e: e.is_loop_booking and e.loop_partner_id):
            # sudo: reading whether the customer has a row in the store's loop
            # (the front desk may work in another company); nothing is written
            rows = event.loop_partner_id.sudo().loop_customer_ids
            if event.loop_company_id not in rows.company_id:
                newcomers |= event.loop_partner_id
        if newcomers:
            self.env["loop.engine"].refresh_partners(newcomers)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_done_booking(self):
        if any(event.is_loop_booking and event.loop_state == "done" for event in self):
            raise UserError(
                self.env._(
                    "A done booking is part of the customer's history and cannot be "
                    "deleted. To give a card session back, cancel its care record."
                )
            )

    # -------------------------------------------------------------------- actions
    def action_loop_confirm(self):
        self.write({"loop_state": rules.CONFIRMED})
        return True

    def action_loop_arrive(self):
        self.write({"loop_state": rules.ARRIVED})
        return True

    def action_loop_done(self):
        """Complete the bookings; for one booking, propose the next visit (反预约)."""
        self.write({"loop_state": rules.DONE})
        if len(self) == 1 and not self.env.context.get("loop_no_rebook"):
            return self.action_loop_rebook()
        return True

    def action_loop_no_show(self):
        self.write({"loop_state": rules.NO_SHOW})
        return True

    def action_loop_cancel(self):
        self.write({"loop_state": rules.CANCELLED})
        return True

    def action_loop_reset(self):
        self.write({"loop_state": rules.BOOKED})
        return True

    def action_loop_rebook(self):
        """Open the reverse appointment wizard of this done booking."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.loop_rebook_wizard_action"
        )
        action["context"] = {"default_event_id": self.id}
        return action

    def action_loop_view_care_records(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.loop_care_record_action"
        )
        action["domain"] = [("calendar_event_id", "=", self.id)]
        action["context"] = {
            "default_calendar_event_id": self.id,
            "default_partner_id": self.loop_partner_id.id,
        }
        return action

    def action_loop_view_rebooking(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.calendar_event_action_loop_booking"
        )
        action.update(
            res_id=self.loop_rebooking_ids[:1].id,
            view_mode="form",
            views=[
                (
                    self.env.ref("five_customer_loop.calendar_event_view_form_loop").id,
                    "form",
                )
            ],
        )
        return action

    # ----------------------------------------------------------- business methods
    @api.model
    def _loop_services_duration(self, services):
        """Hours of a booking of ``services``: the sum of their durations."""
        return sum(services.mapped("loop_duration")) or 1.0

    @api.model
    def _loop_pick_card(self, partner, services):
        """The customer's session card to use for the first service it covers."""
        Card = self.env["loop.card"]
        # in forms the records are new ones: the card query needs the real ids
        for service in services._origin:
            card = Card._pick_session_card(partner._origin, service)
            if card:
                return card
        return Card

    @api.model
    def _loop_card_services(self, card):
        """The services of a card's package, read from its ledger.

        The moves (``move_ids``) follow every posting, unlike the card's
        ``session_ids`` report, which can be read before the moves of the same
        transaction were posted and then stays stale.
        """
        return card.move_ids.product_id

    @api.model
    def _loop_card_sessions_left(self, card, services):
        """Sessions of ``services`` left on ``card``, summed from its ledger."""
        return sum(
            move.sessions
            for move in card.move_ids
            if move.product_id and move.product_id in services
        )

    @api.model
    def _loop_default_alarms(self):
        return [
            alarm.id
            for alarm in (
                self.env.ref(xmlid, raise_if_not_found=False)
                for xmlid in DEFAULT_ALARMS
            )
            if alarm
        ]

    @api.model
    def _loop_booking_name(self, partner, services):
        return " · ".join(
            name for name in [partner.name, ", ".join(services.mapped("name"))] if name
        )

    @api.model
    def _loop_prepare_booking(self, vals):
        """Complete the values of a new booking: staff, attendees, name, duration."""
        vals = dict(vals, is_loop_booking=True)
        state = vals.get("loop_state") or rules.BOOKED
        if state not in rules.INITIAL_STATES:
            raise ValidationError(
                self.env._(
                    "A new booking is booked or confirmed; it becomes done, no-show "
                    "or cancelled from its buttons."
                )
            )
        staff = self.env["res.users"].browse(
            vals.get("loop_staff_id")
            or self.env.context.get("default_loop_staff_id")
            or self.env.uid
        )
        vals.setdefault("loop_staff_id", staff.id)
        vals["user_id"] = staff.id
        partner = self.env["res.partner"].browse(
            vals.get("loop_partner_id")
            or self.env.context.get("default_loop_partner_id")
        )
        service_ids = _command_ids(vals.get("loop_service_ids")) or []
        services = self.env["product.product"].browse(service_ids)
        if "stop" not in vals:
            # the stop follows the duration (given, else the services'), not the
            # default end of a calendar slot
            start = fields.Datetime.to_datetime(
                vals.get("start")
                or self.env.context.get("default_start")
                or self._default_start()
            )
            duration = vals.get("duration") or (
                services and self._loop_services_duration(services)
            )
            if duration:
                vals.update(
                    start=start,
                    duration=duration,
                    stop=start + timedelta(minutes=round(duration * 60)),
                )
        if not vals.get("name"):
            vals["name"] = self._loop_booking_name(partner, services) or self.env._(
                "Booking"
            )
        attendees = [Command.link(pid) for pid in (partner | staff.partner_id).ids]
        vals["partner_ids"] = list(vals.get("partner_ids") or []) + attendees
        vals.setdefault("privacy", "confidential")
        if "alarm_ids" not in vals:
            vals["alarm_ids"] = [Command.set(self._loop_default_alarms())]
        return vals

    @api.model
    def _loop_link_rebookings(self, vals_list):
        """Link new bookings to their customer's booking done within the last day.

        Whether it is booked from the reverse appointment wizard or straight in
        the calendar, a customer's next booking made within a day of a done
        booking is its rebooking (反预约) and counts for the staff member's
        rebooking rate. One query for the batch.
        """
        todo = [
            vals
            for vals in vals_list
            if vals.get("is_loop_booking")
            and vals.get("loop_partner_id")
            and "loop_rebooked_from_id" not in vals
        ]
        if not todo:
            return
        now = fields.Datetime.now()
        recent = self.search(
            [
                ("is_loop_booking", "=", True),
                ("loop_state", "=", rules.DONE),
                ("loop_partner_id", "in", [vals["loop_partner_id"] for vals in todo]),
                ("loop_done_date", ">=", now - rules.REBOOK_WINDOW),
                ("loop_rebooking_ids", "=", False),
            ],
            order="loop_done_date desc, id desc",
        )
        for vals in todo:
            source = recent.filtered(
                lambda e, v=vals: e.loop_partner_id.id == v["loop_partner_id"]
            )[:1]
            start = fields.Datetime.to_datetime(vals.get("start"))
            if source and (not start or start >= source.stop):
                vals["loop_rebooked_from_id"] = source.id
                recent -= source

    def _loop_sync_people(self, old_people, rename=True):
        """Keep organizer, attendees and name in line with the customer and staff."""
        for event in self.filtered("is_loop_booking"):
            new = event.loop_partner_id | event.loop_staff_id.partner_id
            old = self.env["res.partner"].browse(old_people.get(event, [])) - new
            commands = [Command.unlink(pid) for pid in old.ids] + [
                Command.link(pid) for pid in (new - event.partner_ids).ids
            ]
            vals = {}
            if commands:
                vals["partner_ids"] = commands
            if rename:
                name = self._loop_booking_name(
                    event.loop_partner_id, event.loop_service_ids
                )
                if name and name != event.name:
                    vals["name"] = name
            if vals:
                super(CalendarEvent, event).write(vals)
        return True

    def _loop_state_label(self):
        self.ensure_one()
        return dict(self._fields["loop_state"]._description_selection(self.env)).get(
            self.loop_state, self.loop_state
        )

    def _loop_check_transition(self, state):
        if not self.env.su and not self.env.user.has_group(LOOP_USER):
            raise AccessError(
                self.env._(
                    "Only Customer Loop users can change the status of bookings."
                )
            )
        labels = dict(self._fields["loop_state"]._description_selection(self.env))
        if state not in labels:
            raise ValidationError(
                self.env._("%(state)s is not a booking status.", state=state)
            )
        now = fields.Datetime.now()
        for event in self:
            if not rules.can_transition(event.loop_state, state):
                raise UserError(
                    self.env._(
                        "%(booking)s is %(state)s: it cannot become %(new)s.",
                        booking=event.name,
                        state=labels[event.loop_state],
                        new=labels[state],
                    )
                )
            if (
                state == rules.NO_SHOW
                and event.loop_state != state
                and event.start > now
            ):
                raise UserError(
                    self.env._(
                        "%(booking)s starts at %(start)s: the customer can only miss "
                        "it once that time has come.",
                        booking=event.name,
                        start=format_datetime(
                            self.env, event.start, event._loop_tz(), TIME_FORMAT
                        ),
                    )
                )

    def _loop_on_state(self, state):
        """Side effects of bookings entering ``state`` (called once per change)."""
        if state == rules.DONE:
            self._loop_on_done()
        elif state == rules.CANCELLED:
            # no reminder for a cancelled visit; booking it again restores them
            super().write({"alarm_ids": [Command.clear()]})
        elif state == rules.BOOKED:
            self.filtered(lambda e: not e.alarm_ids).write(
                {"alarm_ids": [Command.set(self._loop_default_alarms())]}
            )
        return True

    def _loop_on_done(self):
        """Completion: the care records of the services, pre-filled.

        The care records are created done; each takes its session from the
        booking's card (``loop.care.record._on_done``). Services that already
        have a care record for this booking are left alone.
        """
        now = fields.Datetime.now()
        super().write({"loop_done_date": now})
        existing = {
            (record.calendar_event_id.id, record.product_id.id)
            for record in self.loop_care_record_ids
            if record.state != "cancelled"
        }
        vals_list = []
        for event in self:
            interval, _source = event._loop_rebook_interval(event.loop_service_ids)
            next_visit = event._loop_local(now).date() + timedelta(days=interval)
            start = event.start
            for service in event.loop_service_ids:
                duration = service.loop_duration or event.duration
                if (event.id, service.id) not in existing:
                    vals_list.append(
                        {
                            "partner_id": event.loop_partner_id.id,
                            "product_id": service.id,
                            "user_id": event.loop_staff_id.id,
                            "calendar_event_id": event.id,
                            "date": start,
                            "duration": duration,
                            "company_id": event.loop_company_id.id,
                            "next_visit_date": max(
                                next_visit, event._loop_local(start).date()
                            ),
                            "state": "done",
                        }
                    )
                start = start + timedelta(minutes=round(duration * 60))
        records = self.env["loop.care.record"]
        if vals_list:
            records = records.with_company(
                self.loop_company_id[:1] or self.env.company
            ).create(vals_list)
        return records

    def _loop_rebook_interval(self, services):
        """Days until the next visit after ``services``, and where they come from."""
        self.ensure_one()
        company = self.loop_company_id or self.env.company
        partner = self.loop_partner_id.with_company(company)
        return rules.rebook_interval(
            services.mapped("loop_rebook_interval_days"),
            partner.loop_avg_interval,
            company.loop_rebook_default_days,
        )

    def _loop_tz(self):
        """The store's time zone (``res.company._loop_tz``)."""
        return (self[:1].loop_company_id or self.env.company)._loop_tz()

    def _loop_local(self, value):
        """A UTC datetime as a naive datetime in the store's time zone."""
        return (
            pytz.utc.localize(value).astimezone(pytz.timezone(self._loop_tz()))
        ).replace(tzinfo=None)

    def _loop_utc(self, local):
        """A naive datetime of the store's time zone as a naive UTC datetime."""
        return (self[:1].loop_company_id or self.env.company)._loop_utc(local)

    @api.model
    def _loop_now_local(self):
        return self._loop_local(datetime.now().replace(microsecond=0))
