from datetime import date, datetime, timedelta

import pytz
from babel.dates import format_datetime
from werkzeug.urls import url_encode

from odoo import fields, http
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import format_date


class LoopBooking(http.Controller):
    """The public booking page (/book): store, services, staff, day, slot;
    then name and mobile number; then the booking."""

    # ------------------------------------------------------------- the page
    @http.route("/book", type="http", auth="public", website=True, sitemap=True)
    def book(self, store=None, services=None, staff=None, day=None, **kw):
        # the services come as a list (services=3,5) or as the form's boxes
        ticked = [key[1:] for key in kw if key[:1] == "s" and key[1:].isdigit()]
        services = ",".join(filter(None, [services or "", *ticked]))
        return request.render(
            "five_customer_loop_website.booking_page",
            self._choice(store, services, staff, day),
        )

    @http.route(
        "/book/confirm",
        type="http",
        auth="public",
        website=True,
        methods=["GET", "POST"],
        sitemap=False,
    )
    def confirm(self, store=None, services=None, staff=None, start=None, **post):
        values = self._choice(store, services, staff, (start or "")[:10])
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
                )
            except UserError as error:
                values["error"] = error.args[0]
            else:
                values["booking"] = booking
                return request.render("five_customer_loop_website.booking_done", values)
        return request.render("five_customer_loop_website.booking_confirm", values)

    # -------------------------------------------------------------- helpers
    def _choice(self, store, services, staff, day):
        """What the visitor chose so far, read from the query string, and
        what the page offers next."""
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
        }
        if values["chosen_services"] and chosen_day:
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
