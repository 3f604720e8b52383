from odoo import fields, models
from odoo.tools import SQL


class LoopCardSession(models.Model):
    """Remaining items and sessions of a card (余项余次), read from its ledger."""

    _name = "loop.card.session"
    _description = "Card Sessions per Service"
    _auto = False
    _order = "card_id, product_id"

    card_id = fields.Many2one("loop.card", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    product_id = fields.Many2one("product.product", string="Service", readonly=True)
    sessions_bought = fields.Integer(readonly=True, help="Issued, net of reversals.")
    sessions_used = fields.Integer(readonly=True, help="Consumed, net of reversals.")
    sessions_left = fields.Integer(readonly=True)
    value_left = fields.Monetary(
        readonly=True,
        help="The part of the package's price carried by the sessions left.",
    )

    @property
    def _table_query(self):
        return SQL(
            """SELECT MIN(m.id) AS id, m.card_id, c.partner_id, c.company_id,
                      m.product_id,
                      COALESCE(SUM(m.sessions) FILTER (WHERE m.kind = 'issue'), 0)
                          AS sessions_bought,
                      -COALESCE(SUM(m.sessions) FILTER (WHERE m.kind = 'consume'), 0)
                          AS sessions_used,
                      SUM(m.sessions) AS sessions_left,
                      SUM(m.amount) AS value_left
                 FROM loop_card_move m
                 JOIN loop_card c ON c.id = m.card_id
                WHERE m.product_id IS NOT NULL
                GROUP BY m.card_id, c.partner_id, c.company_id, m.product_id"""
        )
