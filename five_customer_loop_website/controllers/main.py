from datetime import date, datetime, timedelta

import pytz
from babel.dates import format_datetime
from werkzeug.urls import url_encode

from odoo import fields, http
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import format_date

from .portal import own_booking


class LoopBooking(http.Controller):
    """The public booking page (/book): store, services, staff, day, slot;
    then name and mobile number; then the booking."""

    # ------------------------------------------------------------- the page
    @http.route("/book", type="http", auth="public", website=True, sitemap=True)
    def book(self, store=None, services=None, staff=None, day=None, move=None, **kw):
        # the services come as a list (services=3,5) or as the form's boxes
        ticked = [key[1:] for key in kw if key[:1] == "s" and key[1:].isdigit()]
        services = ",".join(filter(None, [services or "", *ticked]))
        values = self._choice(store, services, staff, day, move)
        return request.render("five_customer_loop_website.booking_page", values)

    @http.route(
        "/book/confirm",
        type="http",
        auth="public",
        website=True,
        methods=["GET", "POST"],
        sitemap=False,
    )
    def confirm(
        self, store=None, services=None, staff=None, start=None, move=None, **post
    ):
        # the day only for the links back to it: no free times computed here,
        # the booking checks its own time
        values = self._choice(
            store, services, staff, (start or "")[:10], move, with_slots=False
        )
        Booking = request.env["loop.online.booking"]
        moment = self._moment(values["store"], start)
        if not moment or not values["chosen_services"]:
            return request.redirect("/book")
        values.update(
            start=start,
            start_label=self._label(moment, "EEEE yyyy-MM-dd HH:mm"),
            name=post.get("name", ""),
            mobile=post.get("mobile", ""),
            error=False,
        )
        if request.httprequest.method == "POST":
            try:
                booking = Booking._book(
                    values["store"],
                    values["chosen_services"],
                    values["chosen_staff"],
                    moment,
                    post.get("name"),
                    post.get("mobile"),
                    replace=values["moving"],
                )
            except UserError as error:
                values["error"] = error.args[0]
            else:
                values["booking"] = booking
                return request.render("five_customer_loop_website.booking_done", values)
        return request.render("five_customer_loop_website.booking_confirm", values)

    # ------------------------------------------------------------ waitlist
    @http.route(
        "/book/waitlist/join",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
        sitemap=False,
    )
    def waitlist_join(self, store=None, services=None, staff=None, day=None, **post):
        values = self._choice(store, services, staff, day)
        if not values["store"] or not values["day"]:
            return request.redirect("/book")
        try:
            entry = request.env["loop.online.booking"]._join_waitlist(
                values["store"],
                values["chosen_services"],
                values["chosen_staff"],
                values["day"],
                post.get("name"),
                post.get("mobile"),
            )
        except UserError as error:
            values.update(
                waitlist_error=error.args[0],
                name=post.get("name", ""),
                mobile=post.get("mobile", ""),
            )
            return request.render("five_customer_loop_website.booking_page", values)
        values["entry"] = entry
        return request.render("five_customer_loop_website.waitlist_joined", values)

    @http.route(
        "/book/waitlist/<string:token>",
        type="http",
        auth="public",
        website=True,
        methods=["GET", "POST"],
        sitemap=False,
    )
    def waitlist_offer(self, token, **_post):
        entry = request.env["loop.booking.waitlist"]._by_token(token)
        if not entry:
            raise request.not_found()
        values = {
            "entry": entry,
            "store": entry.company_id,
            "chosen_services": entry.service_ids,
            "chosen_staff": entry.offer_staff_id,
            "start_label": entry._offer_label() if entry.offer_start else "",
            "error": False,
        }
        if request.httprequest.method == "POST":
            try:
                values["booking"] = entry._take()
            except UserError as error:
                values["error"] = error.args[0]
            else:
                return request.render("five_customer_loop_website.booking_done", values)
        return request.render("five_customer_loop_website.waitlist_offer", values)

    # -------------------------------------------------------------- helpers
    def _moving(self, move):
        """The booking the logged-in customer moves (``move``), if any: hers
        (the record rules hide the others)."""
        if not move or not str(move).isdigit():
            return None
        if request.env.user._is_public():
            raise request.not_found()
        return own_booking(int(move))

    def _choice(self, store, services, staff, day, move=None, with_slots=True):
        """What the visitor chose so far, read from the query string, and
        what the page offers next."""
        moving = self._moving(move)
        Booking = request.env["loop.online.booking"]
        stores = Booking._stores()
        chosen_store = stores.filtered(lambda s: str(s.id) == str(store)) or stores[:1]
        values = {
            "stores": stores,
            "store": chosen_store,
            "services": request.env["product.product"].sudo().browse(),
            "chosen_services": request.env["product.product"].sudo().browse(),
            "staff_list": request.env["res.users"].sudo().browse(),
            "chosen_staff": request.env["res.users"].sudo().browse(),
            "days": [],
            "day": False,
            "slots": [],
            "query": {},
            "waitlist_error": False,
            "name": "",
            "mobile": "",
            "moving": moving,
            "moving_label": moving
            and self._label(moving._loop_local(moving.start), "EEEE yyyy-MM-dd HH:mm"),
        }
        if not chosen_store:
            return values
        offered = Booking._services(chosen_store)
        ids = {int(i) for i in (services or "").split(",") if i.isdigit()}
        team = Booking._staff(chosen_store)
        chosen_staff = team.filtered(lambda u: str(u.id) == str(staff))
        today = chosen_store._loop_today()
        days = [today + timedelta(days=n) for n in range(chosen_store.loop_online_days)]
        chosen_day = fields.Date.to_date(day) if _is_date(day) else False
        if chosen_day not in days:
            chosen_day = False
        values.update(
            services=offered,
            chosen_services=offered.filtered(lambda p: p.id in ids),
            staff_list=team,
            chosen_staff=chosen_staff,
            days=[(d, self._label(d, "EEE M/d")) for d in days],
            day=chosen_day,
        )
        values["query"] = {
            "store": chosen_store.id,
            "services": ",".join(str(i) for i in values["chosen_services"].ids),
            "staff": chosen_staff.id or "",
            **({"move": moving.id} if moving else {}),
        }
        if with_slots and values["chosen_services"] and chosen_day:
            free = Booking._slots(
                chosen_store,
                values["chosen_services"],
                chosen_staff or team,
                chosen_day,
            )
            starts = sorted({start for starts in free.values() for start in starts})
            values["slots"] = [
                (start.strftime("%Y-%m-%dT%H:%M"), start.strftime("%H:%M"))
                for start in starts
            ]
        query = values["query"]
        values["confirm_url"] = lambda start: "/book/confirm?" + url_encode(
            {**query, "start": start}
        )
        values["waitlist_query"] = url_encode(
            {**query, "day": fields.Date.to_string(chosen_day) if chosen_day else ""}
        )
        values["back_url"] = "/book?" + url_encode(
            {**query, "day": fields.Date.to_string(chosen_day) if chosen_day else ""}
        )
        return values

    def _moment(self, store, start):
        """The start the visitor chose, aware in the store's time zone."""
        if not store or not start:
            return False
        try:
            naive = datetime.strptime(start, "%Y-%m-%dT%H:%M")
        except ValueError:
            return False
        return pytz.timezone(store._loop_tz()).localize(naive)

    def _label(self, value, pattern):
        if isinstance(value, datetime):
            return format_datetime(
                value, pattern, tzinfo=value.tzinfo, locale=request.env.lang or "en_US"
            )
        return format_date(request.env, value, date_format=pattern)


def _is_date(text):
    try:
        date.fromisoformat(text or "")
    except ValueError:
        return False
    return True
