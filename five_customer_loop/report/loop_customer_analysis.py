from odoo import fields, models
from odoo.tools import SQL

from ..models.res_partner import HEALTH, SEGMENTS


class LoopCustomerAnalysis(models.Model):
    """One row per customer and company, for the tier / segment / stage pivots."""

    _name = "loop.customer.analysis"
    _description = "Customer Loop Analysis"
    _auto = False
    _order = "spend_12m desc"

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    stage_id = fields.Many2one("loop.stage", readonly=True)
    tier_id = fields.Many2one("loop.tier", readonly=True)
    segment = fields.Selection(SEGMENTS, readonly=True)
    health = fields.Selection(HEALTH, readonly=True)
    user_id = fields.Many2one("res.users", string="Responsible Staff", readonly=True)
    channel_id = fields.Many2one(
        "loop.channel", string="Acquisition Channel", readonly=True
    )
    customer_count = fields.Integer(string="Customers", readonly=True, aggregator="sum")
    spend_12m = fields.Float(string="12-Month Spend", readonly=True, aggregator="sum")
    revenue_share = fields.Float(
        string="Share of Revenue (%)",
        readonly=True,
        aggregator="sum",
        help="The group's part of the company's 12-month spend (贡献率).",
    )
    spend_per_capita = fields.Float(
        string="Per-Capita Spend", readonly=True, aggregator="avg", help="人均消费额"
    )
    visits_12m = fields.Integer(
        string="Visits (12 Months)", readonly=True, aggregator="sum"
    )
    visit_frequency = fields.Float(
        readonly=True,
        aggregator="avg",
        help="Average number of visits per customer in the last 12 months.",
    )

    def _value(self, field, cast):
        """A figure of the customer's loop.customer row (``loop_x`` is column x)."""
        return SQL("m.%s::%s", SQL.identifier(field.removeprefix("loop_")), SQL(cast))

    def _partner_columns(self):
        """SQL of more columns read from the customer ``p``, each followed by a
        comma (bridges add theirs, as the home store)."""
        return SQL()

    @property
    def _table_query(self):
        spend = self._value("loop_spend_12m", "float")
        visits = self._value("loop_visit_count_12m", "integer")
        return SQL(
            """
            SELECT p.id::bigint * 1000 + c.id AS id,
                   p.id AS partner_id, c.id AS company_id,
                   %(stage)s AS stage_id, %(tier)s AS tier_id,
                   %(segment)s AS segment, %(health)s AS health,
                   p.loop_user_id AS user_id, %(partner_columns)s
                   p.loop_channel_id AS channel_id,
                   1 AS customer_count,
                   COALESCE(%(spend)s, 0) AS spend_12m,
                   COALESCE(%(spend)s, 0) AS spend_per_capita,
                   CASE WHEN SUM(GREATEST(COALESCE(%(spend)s, 0), 0)) OVER w > 0
                        THEN 100.0 * COALESCE(%(spend)s, 0)
                             / SUM(GREATEST(COALESCE(%(spend)s, 0), 0)) OVER w
                        ELSE 0 END AS revenue_share,
                   COALESCE(%(visits)s, 0) AS visits_12m,
                   COALESCE(%(visits)s, 0) AS visit_frequency
              FROM loop_customer m
              JOIN res_partner p ON p.id = m.partner_id
              JOIN res_company c ON c.id = m.company_id
             WHERE p.active AND m.stage_id IS NOT NULL
            WINDOW w AS (PARTITION BY c.id)
            """,
            partner_columns=self._partner_columns(),
            stage=self._value("loop_stage_id", "integer"),
            tier=self._value("loop_tier_id", "integer"),
            segment=self._value("loop_segment", "varchar"),
            health=self._value("loop_health", "varchar"),
            spend=spend,
            visits=visits,
        )
