"""The till's paid orders in the loop: the engine's POS order source."""

from odoo import api, models
from odoo.tools import SQL

from odoo.addons.five_customer_loop.lib.loop_sql import (
    company_amount,
    local_date,
    order_filter,
)

from ..lib.pos_rules import PAID_STATES


def pos_refund_of(alias):
    """SQL of the order that the POS order ``alias`` refunds (NULL if none).

    A refund is a paid order with a negative total whose lines point to the
    lines they take back (``refunded_orderline_id``, which Odoo sets when the
    till refunds an order). Looked up for refunds only: they are few.
    """
    order = SQL.identifier(alias)
    return SQL(
        """CASE WHEN %(o)s.amount_total < 0 THEN (
               SELECT l.order_id FROM pos_order_line r
                 JOIN pos_order_line l ON l.id = r.refunded_orderline_id
                WHERE r.order_id = %(o)s.id LIMIT 1) END""",
        o=order,
    )


def pos_order_rows(where, tz, store=False, at=False):
    """SQL of paid POS orders with a customer, as ``visit_days`` reads them.

    Rows: ``partner_id, [store_id,] day, amount, order_id, source, refund_of``.
    ``where`` filters ``pos_order o``; ``tz`` is the time zone of the local
    day; ``amount`` is in company currency; ``store_id`` (with ``store``) is
    the till's POS config.
    """
    return SQL(
        """SELECT o.partner_id, %(store)s %(at)s %(day)s AS day,
                  %(amount)s AS amount,
                  o.id AS order_id, 'pos' AS source, %(refund_of)s AS refund_of
             FROM pos_order o
            WHERE o.partner_id IS NOT NULL AND o.state IN %(states)s AND %(where)s""",
        store=SQL("o.config_id AS store_id,") if store else SQL(),
        at=SQL("o.date_order AS at,") if at else SQL(),
        day=local_date(SQL("o.date_order"), tz),
        amount=company_amount("o"),
        refund_of=pos_refund_of("o"),
        states=PAID_STATES,
        where=where,
    )


class LoopEngine(models.AbstractModel):
    _inherit = "loop.engine"

    @api.model
    def _order_sources(
        self, company, ids=None, since=None, until=None, store=False, at=False
    ):
        """The paid POS orders; ``store_id`` is the till's POS config."""
        self.env["pos.order"].flush_model(
            ["state", "partner_id", "company_id", "config_id", "date_order"]
            + ["amount_total", "currency_rate"]
        )
        # a refund's order: its lines point to the lines they take back
        self.env["pos.order.line"].flush_model(["order_id", "refunded_orderline_id"])
        return [
            pos_order_rows(
                order_filter("o", company.id, ids, since, until),
                company._loop_tz(),
                store=store,
                at=at,
            ),
            *super()._order_sources(
                company, ids, since=since, until=until, store=store, at=at
            ),
        ]

    @api.model
    def _line_sources(self, orders):
        self.env["pos.order.line"].flush_model(["order_id", "product_id", "qty"])
        return [
            SQL(
                """SELECT o.partner_id, o.day, l.product_id, l.qty
                     FROM %(orders)s o
                     JOIN pos_order_line l ON l.order_id = o.order_id
                    WHERE o.source = 'pos' AND l.qty > 0""",
                orders=orders,
            ),
            *super()._line_sources(orders),
        ]

    @api.model
    def _fixed_sources(self):
        """A paid POS order's lines are final; a refund is an order of its own."""
        return ("pos", *super()._fixed_sources())

    @api.model
    def _order_models(self):
        return {**super()._order_models(), "pos": "pos.order"}
