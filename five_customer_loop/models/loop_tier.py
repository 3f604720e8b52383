from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib import loop_rules


class LoopTier(models.Model):
    _name = "loop.tier"
    _description = "Customer Tier"
    _order = "company_id, min_spend desc, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Short code used by stage rules, e.g. KEY, A, B.",
    )
    sequence = fields.Integer(default=10)
    min_spend = fields.Monetary(
        string="Minimum 12-Month Spend",
        required=True,
        currency_field="currency_id",
        help="A customer belongs to this tier from this 12-month spend (net of "
        "refunds, company currency) up to the next tier's minimum.",
    )
    color = fields.Integer()
    is_vip = fields.Boolean(
        string="VIP Tier",
        help="Customers of a VIP tier qualify for the Upgrade stage.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    active = fields.Boolean(default=True)
    customer_count = fields.Integer(compute="_compute_customer_count")

    _sql_constraints = [
        (
            "min_spend_positive",
            "CHECK(min_spend >= 0)",
            "A tier's minimum spend cannot be negative.",
        ),
        (
            "code_company_uniq",
            "unique(code, company_id)",
            "Each tier code can be used only once per company.",
        ),
    ]

    def _compute_customer_count(self):
        counts = {}
        for company in self.company_id:
            groups = (
                self.env["res.partner"]
                .with_company(company)
                ._read_group(
                    [
                        (
                            "loop_tier_id",
                            "in",
                            self.filtered(lambda t, c=company: t.company_id == c).ids,
                        )
                    ],
                    ["loop_tier_id"],
                    ["__count"],
                )
            )
            counts.update({tier.id: count for tier, count in groups})
        for tier in self:
            tier.customer_count = counts.get(tier.id, 0)

    @api.constrains("min_spend", "company_id", "active")
    def _check_min_spend_order(self):
        for company in self.company_id:
            tiers = self.search([("company_id", "=", company.id)])
            duplicates = loop_rules.check_tier_minimums(tiers.mapped("min_spend"))
            if duplicates:
                raise ValidationError(
                    self.env._(
                        "Two tiers of %(company)s start at the same 12-month spend "
                        "(%(amount)s): tier bands must be strictly ordered.",
                        company=company.name,
                        amount=", ".join(str(d) for d in duplicates),
                    )
                )

    def _tier_bands(self, company):
        """``[(tier_id, min_spend)]`` of the active tiers of ``company``."""
        tiers = self.search([("company_id", "=", company.id)])
        return [(tier.id, tier.min_spend) for tier in tiers]

    def action_view_customers(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.res_partner_action_loop_customers"
        )
        action["domain"] = [("loop_tier_id", "=", self.id)]
        return action
