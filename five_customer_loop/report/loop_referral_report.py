from odoo import fields, models
from odoo.tools import SQL


class LoopReferralReport(models.Model):
    """The referral leaderboard: one row per referrer and company.

    Read from the figures the batch engine keeps on the customers (referred
    customers, paying ones, the spend they brought) and from the rewards
    granted. Ranked by the referral value of the last 12 months, then the
    lifetime value, then the number of paying referrals.
    """

    _name = "loop.referral.report"
    _description = "Referral Leaderboard"
    _auto = False
    _order = "rank, partner_id"

    rank = fields.Integer(readonly=True, aggregator="min")
    partner_id = fields.Many2one("res.partner", string="Referrer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    stage_id = fields.Many2one("loop.stage", readonly=True)
    tier_id = fields.Many2one("loop.tier", readonly=True)
    user_id = fields.Many2one("res.users", string="Responsible Staff", readonly=True)
    referral_count = fields.Integer(
        string="Referred Customers", readonly=True, aggregator="sum"
    )
    paid_count = fields.Integer(
        string="Paying Referrals", readonly=True, aggregator="sum"
    )
    conversion_rate = fields.Float(
        string="Conversion (%)",
        readonly=True,
        aggregator="avg",
        help="Paying referrals over referred customers.",
    )
    value_12m = fields.Monetary(
        string="Referral Value (12 Months)", readonly=True, aggregator="sum"
    )
    value_total = fields.Monetary(
        string="Referral Value (Lifetime)", readonly=True, aggregator="sum"
    )
    reward_count = fields.Integer(
        string="Rewards Earned", readonly=True, aggregator="sum"
    )
    reward_value = fields.Monetary(
        readonly=True,
        aggregator="sum",
        help="Stored value given to the referrer by the rewards not reversed.",
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
        value_12m = SQL(
            "COALESCE(%s, 0)", self._value("loop_referral_value_12m", "numeric")
        )
        value = SQL(
            "COALESCE(%s, 0)", self._value("loop_referral_value_total", "numeric")
        )
        paid = SQL(
            "COALESCE(%s, 0)", self._value("loop_referral_paid_count", "integer")
        )
        count = SQL("COALESCE(%s, 0)", self._value("loop_referral_count", "integer"))
        return SQL(
            """
            SELECT p.id::bigint * 1000 + c.id AS id,
                   RANK() OVER (PARTITION BY c.id
                                ORDER BY %(value_12m)s DESC, %(value)s DESC,
                                         %(paid)s DESC) AS rank,
                   p.id AS partner_id, c.id AS company_id,
                   %(stage)s AS stage_id, %(tier)s AS tier_id,
                   p.loop_user_id AS user_id, %(partner_columns)s
                   %(count)s AS referral_count, %(paid)s AS paid_count,
                   CASE WHEN %(count)s > 0 THEN 100.0 * %(paid)s / %(count)s
                        ELSE 0 END AS conversion_rate,
                   %(value_12m)s AS value_12m, %(value)s AS value_total,
                   COALESCE(r.reward_count, 0) AS reward_count,
                   COALESCE(r.reward_value, 0) AS reward_value
              FROM loop_customer m
              JOIN res_partner p ON p.id = m.partner_id
              JOIN res_company c ON c.id = m.company_id
              LEFT JOIN (SELECT referrer_id, company_id, COUNT(*) AS reward_count,
                                SUM(referrer_amount) AS reward_value
                           FROM loop_referral_reward
                          WHERE state != 'reversed'
                          GROUP BY referrer_id, company_id) r
                     ON r.referrer_id = p.id AND r.company_id = c.id
             WHERE p.active AND %(count)s > 0
            """,
            value_12m=value_12m,
            value=value,
            paid=paid,
            count=count,
            partner_columns=self._partner_columns(),
            stage=self._value("loop_stage_id", "integer"),
            tier=self._value("loop_tier_id", "integer"),
        )
