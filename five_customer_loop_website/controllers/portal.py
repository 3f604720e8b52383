from werkzeug.urls import url_encode

from odoo import fields, http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.five_customer_loop.lib import booking_rules as rules
from odoo.addons.portal.controllers.portal import CustomerPortal


class LoopPortal(CustomerPortal):
    """The customer's own page (/my/loop): her bookings to come (cancel or
    move them inside the store's window), her cards with their balance,
    sessions left, expiry and ledger, and her visits. Read with her own
    rights: the portal record rules show her records only."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "loop_count" in counters:
            partner = request.env.user.partner_id
            values["loop_count"] = request.env["loop.card"].search_count(
                [("partner_id", "=", partner.id), ("state", "=", "active")]
            ) + len(self._loop_upcoming(partner))
        return values

    def _loop_upcoming(self, partner):
        return request.env["calendar.event"].search(
            [
                ("is_loop_booking", "=", True),
                ("loop_partner_id", "=", partner.id),
                ("loop_state", "in", rules.INITIAL_STATES),
                ("start", ">=", fields.Datetime.now()),
            ],
            order="start",
        )

    @http.route("/my/loop", type="http", auth="user", website=True)
    def my_loop(self, message=None, error=None, **_kw):
        partner = request.env.user.partner_id
        cards = request.env["loop.card"].search(
            [("partner_id", "=", partner.id), ("state", "=", "active")],
            order="expiry_date, id",
        )
        values = {
            "page_name": "loop",
            "bookings": self._loop_upcoming(partner),
            "cards": cards,
            "sessions": request.env["loop.card.session"].search(
                [("card_id", "in", cards.ids), ("sessions_left", ">", 0)]
            ),
            "visits": request.env["loop.care.record"].search(
                [("partner_id", "=", partner.id), ("state", "=", "done")],
                order="date desc",
                limit=20,
            ),
            "Online": request.env["loop.online.booking"],
            "move_url": _move_url,
            "message": message,
            "error": error,
        }
        return request.render("five_customer_loop_website.portal_my_loop", values)

    @http.route("/my/loop/card/<int:card_id>", type="http", auth="user", website=True)
    def my_loop_card(self, card_id, **_kw):
        card = request.env["loop.card"].search([("id", "=", card_id)])
        if not card or card.partner_id != request.env.user.partner_id:
            raise request.not_found()
        return request.render(
            "five_customer_loop_website.portal_my_loop_card",
            {"page_name": "loop", "card": card, "moves": card.move_ids.sorted("id")},
        )

    @http.route(
        "/my/loop/booking/<int:booking_id>/cancel",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def my_loop_cancel(self, booking_id, **_kw):
        booking = self._loop_own_booking(booking_id)
        try:
            request.env["loop.online.booking"]._cancel(booking)
        except UserError as error:
            return request.redirect("/my/loop?" + url_encode({"error": error.args[0]}))
        return request.redirect("/my/loop?message=cancelled")

    def _loop_own_booking(self, booking_id):
        return own_booking(booking_id)


def _move_url(booking):
    """The booking page for moving ``booking``: same store, services, staff."""
    booking = booking.sudo()  # her own booking: its store, services and staff
    return "/book?" + url_encode(
        {
            "store": booking.loop_company_id.id,
            "services": ",".join(str(i) for i in booking.loop_service_ids.ids),
            "staff": booking.loop_staff_id.id,
            "move": booking.id,
        }
    )


def own_booking(booking_id):
    """The logged-in customer's booking ``booking_id``: the record rules hide
    the others, which are not found."""
    booking = request.env["calendar.event"].search([("id", "=", booking_id)])
    if not booking or booking.loop_partner_id != request.env.user.partner_id:
        raise request.not_found()
    return booking
