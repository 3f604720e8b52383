"""Bookings: the services of the till are the bookable ones."""

import ast

from odoo import Command
from odoo.tests import tagged

from odoo.addons.five_customer_loop.tests.refusal import RefusalMixin

from .common_bookings import BookingCase


@tagged("post_install", "-at_install")
class TestBookings(RefusalMixin, BookingCase):
    # -------------------------------------------------------------- a booking
    def test_bookable_services(self):
        """Only the chain's services are offered for booking, marked at install."""
        Template = self.env["product.template"]
        hotel = Template.create({"name": "Hotel Night", "type": "service"})
        till = Template.create(
            {"name": "Hand Care", "type": "service", "available_in_pos": True}
        )
        booked = Template.create({"name": "Old Facial", "type": "service"})
        goods = Template.create(
            {"name": "Cream", "type": "consu", "available_in_pos": True}
        )
        self.book(
            "2026-06-10 10:00",
            loop_service_ids=[Command.set(booked.product_variant_ids.ids)],
        )
        (hotel | till | booked | goods).write({"loop_bookable": False})
        Template._loop_mark_bookable_services()
        self.assertEqual(
            (hotel | till | booked | goods).filtered("loop_bookable"), till | booked
        )
        field = self.env["calendar.event"]._fields["loop_service_ids"]
        offered = self.env["product.product"].search(
            [("id", "in", (hotel | till).product_variant_ids.ids)]
            + ast.literal_eval(field.domain)
        )
        self.assertEqual(offered, till.product_variant_ids)
