from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib import retention_rules


class LoopChannelCost(models.Model):
    """What an acquisition channel cost a company in a month (获客成本).

    A manager enters one line per channel and month; the Attract conversion
    report divides it by the first visits and the retained newcomers that
    the channel brought in that month.
    """

    _name = "loop.channel.cost"
    _description = "Acquisition Channel Cost"
    _inherit = ["mail.thread"]
    _order = "month desc, company_id, channel_id"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    channel_id = fields.Many2one(
        "loop.channel",
        required=True,
        ondelete="restrict",
        tracking=True,
    )
    month = fields.Date(
        required=True,
        tracking=True,
        help="Any day of the month: the cost is kept on its first day.",
    )
    period = fields.Char(compute="_compute_period", store=True)
    amount = fields.Monetary(
        string="Cost",
        required=True,
        tracking=True,
        help="What the channel cost in the month (ads, events, fees), in company "
        "currency.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    note = fields.Char()

    _sql_constraints = [
        (
            "channel_month_uniq",
            "unique(company_id, channel_id, month)",
            "A channel has one cost line per month: change the existing line.",
        ),
    ]

    @api.depends("month")
    def _compute_period(self):
        for row in self:
            row.period = row.month and row.month.strftime("%Y-%m")

    @api.constrains("amount")
    def _check_amount(self):
        for row in self:
            if row.amount < 0:
                raise ValidationError(
                    self.env._(
                        "The cost of %(channel)s in %(month)s is negative: enter "
                        "what the channel cost, 0 or more.",
                        channel=row.channel_id.name,
                        month=row.period,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [self._first_of_month(vals) for vals in vals_list]
        costs = super().create(vals_list)
        self.env["loop.channel.conversion"]._sync_costs(costs._scopes())
        return costs

    def write(self, vals):
        before = self._scopes()
        res = super().write(self._first_of_month(vals))
        self.env["loop.channel.conversion"]._sync_costs(before | self._scopes())
        return res

    def unlink(self):
        scopes = self._scopes()
        res = super().unlink()
        self.env["loop.channel.conversion"]._sync_costs(scopes)
        return res

    @api.model
    def _first_of_month(self, vals):
        if vals.get("month"):
            month = fields.Date.to_date(vals["month"])
            vals = {**vals, "month": retention_rules.month_start(month)}
        return vals

    def _scopes(self):
        return {(row.company_id.id, row.channel_id.id, row.month) for row in self}
