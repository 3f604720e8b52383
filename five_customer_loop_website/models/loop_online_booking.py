"""Online booking: the free slots of a store's staff, and the booking a
visitor makes on the website.

Slots come from each staff member's working hours (her ``resource.calendar``,
time off and public holidays included), less the bookings that hold her time,
for the services' total duration, on the store's grid, after its lead time.
A booking made online is made as the front desk makes one (``calendar.event``
with its checks: the staff member's row is locked while her bookings are
checked, so two visitors on one slot get one booking and one refusal).
"""

import re
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.five_customer_loop.lib import booking_rules as rules

from ..lib import slots as slot_rules

NAME_MAX = 64
MOBILE_DIGITS = (6, 15)


class LoopOnlineBooking(models.AbstractModel):
    _name = "loop.online.booking"
    _description = "Online Booking"

    # ------------------------------------------------------------------ offer
    @api.model
    def _stores(self):
        """The stores that take online bookings."""
        # sudo: the public page lists the stores' names only
        return (
            self.env["res.company"].sudo().search([("loop_online_booking", "=", True)])
        )

    @api.model
    def _services(self, company):
        """The services a visitor may book in ``company``."""
        # sudo: the public page shows the services' names, durations and prices
        return (
            self.env["product.product"]
            .sudo()
            .search(
                [
                    ("loop_bookable", "=", True),
                    ("type", "=", "service"),
                    ("company_id", "in", (False, company.id)),
                ],
                order="name",
            )
        )

    @api.model
    def _staff(self, company):
        """The staff members of ``company`` a visitor may book."""
        # sudo: the public page shows the staff's names only
        return (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("loop_book_online", "=", True),
                    ("share", "=", False),
                    ("company_ids", "in", company.id),
                ],
                order="name",
            )
        )

    @api.model
    def _create_hours(self, name, tz, days, periods, company=None):
        """Working hours (a ``resource.calendar`` in ``tz``): each of ``days``
        (0 is Monday) the ``periods`` (see ``lib.slots.attendances``)."""
        vals = {
            "name": name,
            "tz": tz,
            "attendance_ids": [fields.Command.clear()]
            + [
                fields.Command.create(attendance)
                for attendance in slot_rules.attendances(days, periods)
            ],
        }
        if company:
            vals["company_id"] = company.id
        return self.env["resource.calendar"].create(vals)

    @api.model
    def _duration(self, services):
        return timedelta(
            minutes=round(
                self.env["calendar.event"]._loop_services_duration(services) * 60
            )
        )

    # ------------------------------------------------------------------ slots
    @api.model
    def _slots(self, company, services, staff, day, days=1, now=None):
        """``{user: [start, ...]}``: the free starts (aware, in the store's
        time zone) of a booking of ``services`` with each of ``staff``, on the
        store's days ``day`` to ``day + days - 1``.

        Queries: one per working calendar for the hours and time off, one for
        the bookings; whatever the number of staff and days.
        """
        if not services or not staff:
            return {}
        company = company.sudo()  # its settings and time zone, for visitors too
        zone = pytz.timezone(company._loop_tz())
        start = zone.localize(datetime.combine(day, time()))
        stop = zone.localize(datetime.combine(day + timedelta(days=days), time()))
        now = now or fields.Datetime.now()
        earliest = pytz.utc.localize(now).astimezone(zone) + timedelta(
            hours=company.loop_online_lead_hours
        )
        work = self._work(company, staff, start, stop, zone)
        busy = self._busy(staff, start, stop, zone)
        duration = self._duration(services)
        step = timedelta(minutes=company.loop_online_slot_minutes)
        return {
            user: slot_rules.free_starts(
                work.get(user.id, []), busy.get(user.id, []), duration, step, earliest
            )
            for user in staff
        }

    @api.model
    def _work(self, company, staff, start, stop, zone):
        """``{user id: [(start, stop)]}``: working intervals, time off out."""
        by_calendar = {}
        for user in staff.sudo():  # see _staff
            resource = user._loop_resource()
            calendar = resource.calendar_id or company.resource_calendar_id
            by_calendar.setdefault(calendar, []).append((user, resource))
        work = {}
        for calendar, pairs in by_calendar.items():
            resources = (
                self.env["resource.resource"]
                .sudo()
                .browse([resource.id for _user, resource in pairs])
            )
            intervals = calendar.sudo()._work_intervals_batch(
                start, stop, resources=resources, tz=zone
            )
            for user, resource in pairs:
                work[user.id] = [
                    (begin.astimezone(zone), end.astimezone(zone))
                    for begin, end, _meta in intervals[resource.id]
                ]
        return work

    @api.model
    def _busy(self, staff, start, stop, zone):
        """``{user id: [(start, stop)]}``: the bookings that hold their time."""
        self.env["calendar.event"].flush_model(
            ["start", "stop", "loop_staff_id", "loop_state", "is_loop_booking"]
        )
        rows = self.env.execute_query(
            SQL(
                """SELECT loop_staff_id, start, stop FROM calendar_event
                    WHERE is_loop_booking AND active
                      AND loop_staff_id = ANY(%(staff)s)
                      AND loop_state NOT IN %(free)s
                      AND start < %(stop)s AND stop > %(start)s""",
                staff=staff.ids,
                free=rules.FREE_STATES,
                start=start.astimezone(pytz.utc).replace(tzinfo=None),
                stop=stop.astimezone(pytz.utc).replace(tzinfo=None),
            )
        )
        busy = {}
        # the times held for the waitlist's running offers are taken too
        held = self.env["loop.booking.waitlist"]._held(
            staff,
            start.astimezone(pytz.utc).replace(tzinfo=None),
            stop.astimezone(pytz.utc).replace(tzinfo=None),
        )
        rows = list(rows) + [
            (user_id, begin, end)
            for user_id, times in held.items()
            for begin, end in times
        ]
        for user_id, begin, end in rows:
            busy.setdefault(user_id, []).append(
                (
                    pytz.utc.localize(begin).astimezone(zone),
                    pytz.utc.localize(end).astimezone(zone),
                )
            )
        return busy

    # ---------------------------------------------------------------- booking
    @api.model
    def _can_change(self, booking, now=None):
        """Whether her customer may still cancel or move ``booking`` herself:
        booked or confirmed, and the store's cancellation window not begun."""
        booking = booking.sudo()  # the store's window, whoever asks
        hours = booking.loop_company_id.loop_online_cancel_hours
        return booking.loop_state in rules.INITIAL_STATES and (
            booking.start - (now or fields.Datetime.now()) >= timedelta(hours=hours)
        )

    @api.model
    def _cancel(self, booking):
        """The customer cancels her ``booking`` (the caller checked it is
        hers), inside the store's cancellation window only."""
        if not self._can_change(booking):
            raise UserError(self._window_message(booking))
        # sudo: her own booking, cancelled as the desk cancels one
        booking.sudo().action_loop_cancel()

    @api.model
    def _window_message(self, booking):
        return self.env._(
            "Your booking starts in less than %(hours)s hours: call the store to "
            "cancel or move it.",
            hours=booking.sudo().loop_company_id.loop_online_cancel_hours,
        )

    @api.model
    def _book(self, company, services, staff, start, name, mobile, replace=None):
        """Book ``services`` at ``start`` (aware) with ``staff`` (a user, or
        none: the first one free then) for the person ``name`` / ``mobile``.

        Refused with a clear message, nothing written: a store that takes no
        online booking, a service it does not offer, a name or number that is
        missing, overlong or malformed, a time past or within the lead time or
        off the grid, a slot taken meanwhile, a number holding too many
        bookings to come. ``replace``: the customer moves that booking of hers
        (checked by the caller) to this time, inside the store's cancellation
        window; it is cancelled once the new one is made. Returns the booking.
        """
        company = company.sudo()  # its settings and time zone, for visitors too
        if replace and not self._can_change(replace):
            raise UserError(self._window_message(replace))
        name, digits, team = self._check_request(
            company, services, staff, name, mobile, person=not replace
        )
        try:
            # a refusal below rolls back all this request wrote: the person
            # and, when she moves a booking, its cancellation
            with self.env.cr.savepoint():
                if replace:
                    partner = replace.sudo().loop_partner_id
                    # the moved booking frees its time first
                    replace.sudo().action_loop_cancel()  # see _cancel
                else:
                    partner = self._person(company, name, digits)
                    self._check_open_bookings(company, partner)
                return self._create_booking(
                    company, services, staff or team, start, partner
                )
        except ValidationError as error:
            # the staff member was booked meanwhile (checked under her lock)
            raise UserError(
                self.env._("This time was just taken: choose another one.")
            ) from error

    @api.model
    def _create_booking(self, company, services, candidates, start, partner):
        """The booking at ``start`` with the first of ``candidates`` free then,
        made as the desk makes one; refused when none is (any more)."""
        free = self._slots(company, services, candidates, start.date())
        chosen = next(
            (user for user in candidates if start in free.get(user, [])), None
        )
        if not chosen:
            raise UserError(
                self.env._(
                    "This time is no longer free (it is past, too soon, or just "
                    "taken): choose another one."
                )
            )
        # sudo: the visitor books through _book only, with the values checked
        # there; the booking is made as the desk does
        return (
            self.env["calendar.event"]
            .sudo()
            .with_company(company)
            .with_context(mail_create_nosubscribe=True)
            .create(
                {
                    "is_loop_booking": True,
                    "loop_partner_id": partner.id,
                    "loop_staff_id": chosen.id,
                    "loop_service_ids": [fields.Command.set(services.ids)],
                    "loop_company_id": company.id,
                    "loop_booking_channel": "online",
                    "start": start.astimezone(pytz.utc).replace(tzinfo=None),
                }
            )
        )

    @api.model
    def _check_request(self, company, services, staff, name, mobile, person=True):
        """What a visitor asks is refused with the reason unless the store
        takes online bookings, offers the services and the staff member, and
        (``person``) the name and mobile number are given and well formed.
        Returns ``(name, mobile digits, the store's staff online)``."""
        name = (name or "").strip()
        digits = _mobile_digits(mobile)
        if company.sudo() not in self._stores():
            raise UserError(self.env._("This store takes no online booking."))
        offered = self._services(company)
        if not services or services - offered:
            raise UserError(self.env._("Choose one or more of the store's services."))
        if person and (not name or len(name) > NAME_MAX):
            raise UserError(
                self.env._("Give your name (at most %s characters).", NAME_MAX)
            )
        if person and not digits:
            raise UserError(
                self.env._(
                    "Give a mobile number we can reach you at (digits only, "
                    "with the country code if it is not a Chinese number)."
                )
            )
        team = self._staff(company)
        if staff and staff not in team:
            raise UserError(self.env._("This staff member is not booked online."))
        return name, digits, team

    @api.model
    def _join_waitlist(self, company, services, staff, day, name, mobile):
        """The person waits for ``day`` (full: no free time for these services
        with that staff member, or anyone). Refused like a booking: a missing,
        overlong or malformed name or number, a day not offered or not full.
        Returns the waitlist entry."""
        company = company.sudo()  # its settings and time zone, for visitors too
        name, digits, team = self._check_request(company, services, staff, name, mobile)
        today = company._loop_today()
        if not today <= day < today + timedelta(days=company.loop_online_days):
            raise UserError(self.env._("Choose one of the days the page offers."))
        free = self._slots(company, services, staff or team, day)
        if any(free.values()):
            raise UserError(
                self.env._("This day still has free times: book one of them.")
            )
        with self.env.cr.savepoint():
            partner = self._person(company, name, digits)
            # sudo: the visitor joins through this method only (values checked)
            return (
                self.env["loop.booking.waitlist"]
                .sudo()
                .create(
                    {
                        "company_id": company.id,
                        "partner_id": partner.id,
                        "service_ids": [fields.Command.set(services.ids)],
                        "staff_id": staff.id,
                        "day": day,
                    }
                )
            )

    @api.model
    def _person(self, company, name, digits):
        """The customer with this mobile number, else a new prospect who came
        through online booking."""
        # sudo: the visitor cannot read contacts; she is matched on her number
        Partner = self.env["res.partner"].sudo()
        Partner.flush_model(["mobile", "phone"])
        rows = self.env.execute_query(
            SQL(
                """SELECT id FROM res_partner
                    WHERE active AND %(digits)s IN (%(mobile)s, %(phone)s)
                    ORDER BY id LIMIT 1""",
                mobile=_digits_sql("mobile", len(digits)),
                phone=_digits_sql("phone", len(digits)),
                digits=digits,
            )
        )
        if rows:
            return Partner.browse(rows[0][0])
        return Partner.create(
            {
                "name": name,
                "mobile": digits,
                "loop_channel_id": self.env.ref(
                    "five_customer_loop_website.channel_online_booking"
                ).id,
                "lang": self.env.lang,
            }
        )

    @api.model
    def _check_open_bookings(self, company, partner):
        count = (
            self.env["calendar.event"]
            .sudo()
            .search_count(
                [
                    ("is_loop_booking", "=", True),
                    ("loop_partner_id", "=", partner.id),
                    ("loop_state", "in", rules.INITIAL_STATES),
                    ("start", ">=", fields.Datetime.now()),
                ]
            )
        )
        if count >= company.loop_online_max_open:
            raise UserError(
                self.env._(
                    "This mobile number already holds %(count)s bookings to come: "
                    "call the store to book more.",
                    count=count,
                )
            )


def _mobile_digits(mobile):
    """The number's digits (a Chinese number without its +86), or ``""``
    when it is not a phone number."""
    text = (mobile or "").strip()
    if not text or len(text) > 20 or not re.fullmatch(r"\+?[\d\s()-]+", text):
        return ""
    digits = re.sub(r"\D", "", text)
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    low, high = MOBILE_DIGITS
    return digits if low <= len(digits) <= high else ""


def _digits_sql(column, count):
    """SQL of the last ``count`` digits of the partner's ``column``."""
    return SQL(
        "right(regexp_replace(COALESCE(%s, ''), '\\D', '', 'g'), %s)",
        SQL.identifier(column),
        count,
    )
