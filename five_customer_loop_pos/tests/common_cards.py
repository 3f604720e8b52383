"""The card tests' types and helpers in the till's company."""

from odoo import Command

from odoo.addons.five_customer_loop.tests import common_cards

from .common import LoopCase


class CardCase(common_cards.CardCase, LoopCase):
    """The main addon's ``CardCase`` on ``LoopCase``: the massage is on sale
    at the till too, without taxes, like the other two products."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.massage.write({"available_in_pos": True, "taxes_id": [Command.clear()]})
