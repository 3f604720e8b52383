from odoo import api, models
from odoo.tools import SQL

from odoo.addons.five_customer_loop.lib.loop_sql import (
    company_amount,
    local_date,
    order_filter,
)

# Confirmed sale orders; a cancelled order leaves the archive.
SALE_STATES = ("sale",)


class LoopEngine(models.AbstractModel):
    _inherit = "loop.engine"

    @api.model
    def _order_sources(
        self, company, ids=None, since=None, until=None, store=False, at=False
    ):
        """Confirmed sale orders count like paid till orders (one visit a
        day); they have no till (``store_id`` NULL)."""
        self.env["sale.order"].flush_model(
            ["state", "partner_id", "company_id", "date_order", "amount_total"]
        )
        tz = company._loop_tz()
        return super()._order_sources(
            company, ids, since=since, until=until, store=store, at=at
        ) + [
            SQL(
                """SELECT s.partner_id, %(store)s %(at)s %(day)s AS day,
                          %(amount)s AS amount,
                          s.id AS order_id, 'sale' AS source,
                          NULL::integer AS refund_of
                     FROM sale_order s
                    WHERE %(where)s AND s.state IN %(states)s""",
                store=SQL("NULL::integer AS store_id,") if store else SQL(),
                at=SQL("s.date_order AS at,") if at else SQL(),
                day=local_date(SQL("s.date_order"), tz),
                amount=company_amount("s"),
                where=order_filter("s", company.id, ids, since, until),
                states=SALE_STATES,
            )
        ]

    @api.model
    def _line_sources(self, orders):
        self.env["sale.order.line"].flush_model(["product_id", "product_uom_qty"])
        return super()._line_sources(orders) + [
            SQL(
                """SELECT o.partner_id, o.day, l.product_id, l.product_uom_qty
                     FROM %(orders)s o
                     JOIN sale_order_line l ON l.order_id = o.order_id
                    WHERE o.source = 'sale' AND l.product_uom_qty > 0
                      AND l.product_id IS NOT NULL""",
                orders=orders,
            )
        ]

    @api.model
    def _order_models(self):
        return {**super()._order_models(), "sale": "sale.order"}
