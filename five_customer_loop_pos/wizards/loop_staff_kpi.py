"""The staff KPIs' till figures: cash and consumption from the POS orders."""

from datetime import timedelta

from odoo import fields, models
from odoo.tools import SQL

from odoo.addons.five_customer_loop.lib.loop_sql import (
    credited_staff,
    done_bookings,
    local_date,
)

from ..lib.pos_rules import PAID_STATES


class LoopStaffKpiWizard(models.TransientModel):
    _inherit = "loop.staff.kpi.wizard"

    def _till_figures(self):
        """Per staff, from the paid POS orders of the period (see the main
        addon's docstring): ``(cash, consumption, services, customers served)``."""
        figures = super()._till_figures()
        tz = self.company_id._loop_tz()
        # UTC bounds that let the database skip the orders out of reach (any
        # time zone): the local days are filtered in the query
        low = fields.Datetime.to_datetime(self.date_from) - timedelta(days=1)
        high = fields.Datetime.to_datetime(self.date_to) + timedelta(days=2)
        self.env["calendar.event"].flush_model()
        self.env["pos.order"].flush_model()
        self.env["pos.order.line"].flush_model()
        self.env["pos.payment"].flush_model()
        self.env["loop.card.move"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
            WITH orders AS MATERIALIZED (
                SELECT o.id, o.partner_id, o.amount_total, o.user_id,
                       %(day)s AS day,
                       COALESCE(NULLIF(o.currency_rate, 0), 1.0) AS rate
                  FROM pos_order o
                 WHERE o.company_id = %(company)s AND o.state IN %(states)s
                   AND o.date_order >= %(low)s AND o.date_order < %(high)s
                   AND %(day)s BETWEEN %(date_from)s AND %(date_to)s
            ),
            served AS (%(served)s),
            card_paid AS (
                SELECT p.pos_order_id AS order_id, SUM(p.amount) AS amount
                  FROM pos_payment p
                  JOIN pos_payment_method pm ON pm.id = p.payment_method_id
                 WHERE pm.loop_is_card AND p.pos_order_id IN (SELECT id FROM orders)
                 GROUP BY p.pos_order_id
            ),
            sessions_used AS (
                SELECT m.pos_order_id AS order_id, m.product_id,
                       -SUM(m.amount) AS value
                  FROM loop_card_move m
                 WHERE m.kind = 'consume' AND m.card_kind = 'session'
                   AND m.pos_order_id IN (SELECT id FROM orders)
                 GROUP BY m.pos_order_id, m.product_id
            ),
            lines AS (
                SELECT %(staff)s AS staff, l.order_id, l.product_id, l.qty,
                       o.partner_id,
                       l.price_subtotal_incl / o.rate AS amount,
                       COALESCE(c.amount / NULLIF(o.amount_total, 0), 0) AS card_share,
                       pt.type = 'service' AND NOT EXISTS (
                           SELECT 1 FROM loop_card_type ct
                            WHERE ct.product_id = l.product_id) AS service,
                       (l.loop_card_id IS NOT NULL
                        OR r.loop_card_id IS NOT NULL) AS from_package
                  FROM pos_order_line l
                  JOIN orders o ON o.id = l.order_id
                  JOIN product_product pp ON pp.id = l.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  LEFT JOIN pos_order_line r ON r.id = l.refunded_orderline_id
                  LEFT JOIN card_paid c ON c.order_id = l.order_id
                  LEFT JOIN served b
                         ON b.partner_id = o.partner_id AND b.day = o.day
            ),
            package_units AS (
                SELECT order_id, product_id, SUM(qty) AS qty
                  FROM lines WHERE from_package GROUP BY order_id, product_id
            ),
            credited AS (
                SELECT x.staff, x.partner_id, x.service,
                       CASE WHEN x.service THEN x.qty ELSE 0 END AS units,
                       x.amount * (1 - x.card_share) AS cash,
                       CASE WHEN NOT x.service THEN 0
                            WHEN x.from_package
                            THEN COALESCE(s.value * x.qty / NULLIF(u.qty, 0), 0)
                            ELSE x.amount END AS consumption
                  FROM lines x
                  LEFT JOIN package_units u
                         ON x.from_package AND u.order_id = x.order_id
                        AND u.product_id = x.product_id
                  LEFT JOIN sessions_used s
                         ON x.from_package AND s.order_id = x.order_id
                        AND s.product_id = x.product_id
            ),
            per_customer AS (
                SELECT staff, partner_id, SUM(units) AS units
                  FROM credited WHERE service GROUP BY staff, partner_id
            )
            SELECT c.staff, SUM(c.cash), SUM(c.consumption), SUM(c.units),
                   (SELECT COUNT(*) FROM per_customer p
                     WHERE p.staff = c.staff AND p.partner_id IS NOT NULL
                       AND p.units > 0)
              FROM credited c WHERE c.staff IS NOT NULL GROUP BY c.staff""",
                company=self.company_id.id,
                states=PAID_STATES,
                day=local_date(SQL("o.date_order"), tz),
                date_from=self.date_from,
                date_to=self.date_to,
                low=low,
                high=high,
                served=done_bookings(self.company_id.id, tz, low, high),
                staff=credited_staff("l", "b", "o"),
            )
        )
        return figures | {row[0]: row[1:] for row in rows}
