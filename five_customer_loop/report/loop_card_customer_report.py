from odoo import fields, models
from odoo.tools import SQL

from ..lib.card_rules import RISK_HORIZON_DAYS


class LoopCardCustomerReport(models.Model):
    """Card consumption rate (耗卡率) and unused-session risk, per customer and company.

    Consumption rate: value consumed over value loaded (issues and top-ups,
    net of reversals), sessions likewise. Unused-session risk: over the active,
    unexpired cards, sessions left × closeness to expiry, where closeness is
    1 − days to expiry / 365 (0 for cards expiring in a year or more, or never):
    10 sessions expiring in 73 days weigh 10 × 0.8 = 8.
    """

    _name = "loop.card.customer.report"
    _description = "Card Consumption per Customer"
    _auto = False
    _order = "risk_score desc, sessions_left desc, partner_id"

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one("res.users", string="Responsible Staff", readonly=True)
    card_count = fields.Integer(
        string="Active Cards",
        readonly=True,
        help="Active cards with value or sessions left.",
    )
    loaded_amount = fields.Monetary(string="Value Loaded", readonly=True)
    consumed_amount = fields.Monetary(string="Value Consumed", readonly=True)
    consumption_rate = fields.Float(
        string="Consumption Rate (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="耗卡率: value consumed over value loaded.",
    )
    balance = fields.Monetary(
        string="Unused Value", readonly=True, help="Value left on the active cards."
    )
    sessions_loaded = fields.Integer(string="Sessions Bought", readonly=True)
    sessions_consumed = fields.Integer(string="Sessions Used", readonly=True)
    session_rate = fields.Float(
        string="Session Consumption (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Sessions used over sessions bought.",
    )
    sessions_left = fields.Integer(readonly=True)
    next_expiry = fields.Date(
        readonly=True,
        help="First expiry among cards with sessions left.",
    )
    days_to_expiry = fields.Integer(
        string="Days to Expiry", readonly=True, aggregator="min"
    )
    risk_score = fields.Float(
        string="Unused-Session Risk",
        readonly=True,
        digits=(16, 2),
        help="Sessions left weighted by closeness to expiry: a session on a card that "
        "expires today counts 1, in half a year about 0.5, in a year or more 0.",
    )

    @property
    def _table_query(self):
        today = self.env["loop.card"]._today(self.env.company)
        return SQL(
            """
            WITH moves AS (
                SELECT m.partner_id, m.company_id,
                       COALESCE(SUM(m.amount)
                                FILTER (WHERE m.kind IN ('issue', 'topup')), 0)
                           AS loaded,
                       -COALESCE(SUM(m.amount) FILTER (WHERE m.kind = 'consume'), 0)
                           AS consumed,
                       COALESCE(SUM(m.sessions) FILTER (WHERE m.kind = 'issue'), 0)
                           AS sessions_loaded,
                       -COALESCE(SUM(m.sessions) FILTER (WHERE m.kind = 'consume'), 0)
                           AS sessions_consumed
                  FROM loop_card_move m
                 GROUP BY m.partner_id, m.company_id
            ), open_cards AS (
                SELECT c.partner_id, c.company_id,
                       COUNT(*) FILTER (WHERE c.balance > 0 OR c.sessions_left > 0)
                           AS cards,
                       SUM(c.balance) AS balance,
                       SUM(c.sessions_left) AS sessions_left,
                       MIN(c.expiry_date) FILTER (WHERE c.sessions_left > 0)
                           AS next_expiry,
                       SUM(c.sessions_left * GREATEST(0.0, 1.0
                               - (c.expiry_date - %(today)s::date)
                                 / %(horizon)s::numeric))
                           FILTER (WHERE c.sessions_left > 0
                                     AND c.expiry_date IS NOT NULL) AS risk
                  FROM loop_card c
                 WHERE c.state = 'active'
                   AND (c.expiry_date IS NULL OR c.expiry_date >= %(today)s::date)
                 GROUP BY c.partner_id, c.company_id
            )
            SELECT mv.partner_id::bigint * 1000 + mv.company_id AS id,
                   mv.partner_id, mv.company_id, p.loop_user_id AS user_id,
                   COALESCE(oc.cards, 0) AS card_count,
                   mv.loaded AS loaded_amount, mv.consumed AS consumed_amount,
                   CASE WHEN mv.loaded > 0
                        THEN ROUND(100.0 * mv.consumed / mv.loaded, 1)
                        ELSE 0 END AS consumption_rate,
                   COALESCE(oc.balance, 0) AS balance,
                   mv.sessions_loaded, mv.sessions_consumed,
                   CASE WHEN mv.sessions_loaded > 0
                        THEN ROUND(100.0 * mv.sessions_consumed / mv.sessions_loaded, 1)
                        ELSE 0 END AS session_rate,
                   COALESCE(oc.sessions_left, 0) AS sessions_left,
                   oc.next_expiry,
                   oc.next_expiry - %(today)s::date AS days_to_expiry,
                   ROUND(COALESCE(oc.risk, 0), 2) AS risk_score
              FROM moves mv
              JOIN res_partner p ON p.id = mv.partner_id
              LEFT JOIN open_cards oc
                     ON oc.partner_id = mv.partner_id AND oc.company_id = mv.company_id
            """,
            today=today,
            horizon=RISK_HORIZON_DAYS,
        )
