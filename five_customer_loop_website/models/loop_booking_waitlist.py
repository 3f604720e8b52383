"""The waitlist of the online booking: a person waits for a day that was
full. When a booking of that day is cancelled or marked no-show ahead of
time, the first person waiting whose services fit the freed time is offered
it: the slot is held for her (no one else is offered it) for the store's
hold time, and she gets a message with a link that books it. An offer not
taken in time passes to the next person waiting."""

import secrets
from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError


class LoopBookingWaitlist(models.Model):
    _name = "loop.booking.waitlist"
    _description = "Booking Waitlist"
    _inherit = ["mail.thread"]
    _order = "day, id"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", string="Store", required=True, index=True, readonly=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, readonly=True
    )
    service_ids = fields.Many2many(
        "product.product", string="Services", required=True, readonly=True
    )
    staff_id = fields.Many2one(
        "res.users", string="Staff Wished", readonly=True, help="Empty: anyone."
    )
    day = fields.Date(required=True, index=True, readonly=True)
    state = fields.Selection(
        [
            ("waiting", "Waiting"),
            ("offered", "Offered"),
            ("booked", "Booked"),
            ("expired", "Offer Expired"),
            ("cancelled", "Cancelled"),
        ],
        default="waiting",
        required=True,
        index=True,
        readonly=True,
        tracking=True,
    )
    offer_start = fields.Datetime(string="Slot Offered", readonly=True)
    offer_staff_id = fields.Many2one("res.users", string="With", readonly=True)
    offer_expires = fields.Datetime(string="Held Until", readonly=True)
    offer_token = fields.Char(readonly=True, copy=False, groups="base.group_system")
    booking_id = fields.Many2one("calendar.event", readonly=True)

    def _duration(self):
        return self.env["loop.online.booking"]._duration(self.service_ids)

    def action_cancel(self):
        self.filtered(lambda w: w.state in ("waiting", "offered")).state = "cancelled"
        return True

    # ------------------------------------------------------------- offering
    @api.model
    def _offer_freed(self, bookings):
        """``bookings`` stopped holding their staff's time ahead of it: offer
        each freed time to the first person waiting for that day whose
        services fit it (with that staff member, or anyone)."""
        now = fields.Datetime.now()
        for booking in bookings.sudo():  # system task: the store's waitlist
            if booking.start <= now:
                continue
            company = booking.loop_company_id
            day = booking._loop_local(booking.start).date()
            self._offer(company, day, booking.loop_staff_id, booking.start)

    @api.model
    def _offer(self, company, day, staff, start):
        """Offer ``start`` with ``staff`` to the first waiting entry it fits."""
        Online = self.env["loop.online.booking"]
        zone = pytz.timezone(company._loop_tz())
        local_start = pytz.utc.localize(start).astimezone(zone)
        waiting = self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("day", "=", day),
                ("state", "=", "waiting"),
                ("staff_id", "in", (False, staff.id)),
            ]
        )
        for entry in waiting:
            free = Online._slots(company, entry.service_ids, staff, day)
            if local_start not in free.get(staff, []):
                continue
            entry.write(
                {
                    "state": "offered",
                    "offer_start": start,
                    "offer_staff_id": staff.id,
                    "offer_expires": fields.Datetime.now()
                    + timedelta(minutes=company.loop_online_hold_minutes),
                    "offer_token": secrets.token_urlsafe(24),
                }
            )
            entry._send_offer()
            return entry
        return self.browse()

    def _send_offer(self):
        """The message with the link that books the held slot."""
        template = self.env.ref(
            "five_customer_loop_website.mail_template_waitlist_offer"
        )
        for entry in self:
            entry.message_post_with_source(
                template,
                subtype_xmlid="mail.mt_comment",
                partner_ids=entry.partner_id.ids,
            )

    def _offer_url(self):
        self.ensure_one()
        base = self.get_base_url()
        return f"{base}/book/waitlist/{self.sudo().offer_token}"

    def _offer_label(self):
        """The held time, in the store's time zone, for the message."""
        self.ensure_one()
        zone = pytz.timezone(self.company_id._loop_tz())
        return (
            pytz.utc.localize(self.offer_start)
            .astimezone(zone)
            .strftime("%Y-%m-%d %H:%M")
        )

    @api.model
    def _cron_expire(self):
        """Offers not taken in time pass to the next person waiting."""
        expired = self.sudo().search(
            [("state", "=", "offered"), ("offer_expires", "<=", fields.Datetime.now())]
        )
        for entry in expired:
            entry.state = "expired"
            self._offer(
                entry.company_id, entry.day, entry.offer_staff_id, entry.offer_start
            )

    # --------------------------------------------------------------- taking
    @api.model
    def _by_token(self, token):
        if not token:
            return self.browse()
        # sudo: the link's token is the visitor's only key to her offer
        return self.sudo().search([("offer_token", "=", token)], limit=1)

    def _take(self):
        """Book the held slot (the link's button): refused once the hold is
        over or the entry is no longer offered."""
        self.ensure_one()
        entry = self.sudo()  # see _by_token
        if entry.state != "offered" or entry.offer_expires <= fields.Datetime.now():
            raise UserError(
                self.env._("This offer is over: the time is no longer held for you.")
            )
        local = pytz.utc.localize(entry.offer_start).astimezone(
            pytz.timezone(entry.company_id._loop_tz())
        )
        booking = (
            self.env["loop.online.booking"]
            .with_context(loop_waitlist_taking=entry.id)
            ._create_booking(
                entry.company_id,
                entry.service_ids,
                entry.offer_staff_id,
                local,
                entry.partner_id,
            )
        )
        entry.write({"state": "booked", "booking_id": booking.id})
        return booking

    # ------------------------------------------------------------ holding
    @api.model
    def _held(self, staff, start, stop):
        """``{user id: [(start, stop)]}`` (naive UTC): the times held for
        offers still running, but the one being taken."""
        taking = self.env.context.get("loop_waitlist_taking")
        held = {}
        # sudo: the holds are part of the store's availability
        for entry in self.sudo().search(
            [
                ("state", "=", "offered"),
                ("offer_staff_id", "in", staff.ids),
                ("offer_expires", ">", fields.Datetime.now()),
                ("offer_start", "<", stop),
                ("id", "!=", taking or 0),
            ]
        ):
            end = entry.offer_start + entry._duration()
            if end > start:
                held.setdefault(entry.offer_staff_id.id, []).append(
                    (entry.offer_start, end)
                )
        return held
