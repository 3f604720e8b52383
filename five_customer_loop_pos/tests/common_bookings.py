"""The booking tests' staff, services and helpers in the till's company."""

from odoo.addons.five_customer_loop.tests import common_bookings

from .common_cards import CardCase


class BookingCase(common_bookings.BookingCase, CardCase):
    """The main addon's ``BookingCase`` on the till's ``CardCase``."""
