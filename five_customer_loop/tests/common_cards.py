"""Card types and helpers shared by the card tests."""

from datetime import datetime

from freezegun import freeze_time

from odoo import Command

from .common import LoopBaseCase


class CardCase(LoopBaseCase):
    """Two card types of the test company and a second service.

    - ``gold``: stored value, pay 10,000 receive 11,000, valid 12 months.
    - ``package``: 10 Facial Care (list price 300) + 5 Massage (list price
      200) for 3,000, valid 6 months. The price splits by list price ×
      sessions: 3,000 and 1,000 of weight, so 2,250 for the facials (225 a
      session) and 750 for the massages (150 a session).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.massage = cls.env["product.product"].create(
            {
                "name": "Massage",
                "type": "service",
                "loop_bookable": True,
                "list_price": 200.0,
            }
        )
        cls.gold = cls.env["loop.card.type"].create(
            {
                "name": "Gold Card",
                "kind": "value",
                "price": 10000.0,
                "amount": 11000.0,
                "validity_number": 12,
                "validity_unit": "months",
                "company_id": cls.company.id,
            }
        )
        cls.package = cls.env["loop.card.type"].create(
            {
                "name": "Facial Package",
                "kind": "session",
                "price": 3000.0,
                "validity_number": 6,
                "validity_unit": "months",
                "company_id": cls.company.id,
                "line_ids": [
                    Command.create({"product_id": cls.service.id, "sessions": 10}),
                    Command.create({"product_id": cls.massage.id, "sessions": 5}),
                ],
            }
        )
        cls.alice = cls.customer("Alice")
        cls.bob = cls.customer("Bob")

    @classmethod
    def customer(cls, name, **vals):
        return cls.env["res.partner"].create({"name": name, **vals})

    def issue(self, card_type, partner=None, when="2026-01-15", **kwargs):
        """Issue a card at local noon of ``when`` (04:00 UTC, Shanghai is UTC+8)."""
        with freeze_time(f"{when} 04:00:00"):
            return self.env["loop.card"].issue_card(
                partner or self.alice, card_type, {"origin": "R-issue"}, **kwargs
            )

    def at(self, when):
        """Freeze the clock at local noon of day ``when``."""
        return freeze_time(datetime.fromisoformat(f"{when} 04:00:00"))

    def sessions(self, card):
        """``{service name: (sessions left, value left)}`` of a card."""
        card.invalidate_recordset()
        self.env["loop.card.session"].invalidate_model()
        return {
            line.product_id.name: (line.sessions_left, line.value_left)
            for line in card.session_ids
        }
