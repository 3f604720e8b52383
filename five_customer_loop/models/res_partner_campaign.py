from odoo import fields, models


# one concern of the customer per file, on purpose (see res_partner.py)
class ResPartner(models.Model):
    """The campaigns a customer was in, treated or held out."""

    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    loop_campaign_count = fields.Integer(
        string="Campaigns",
        compute="_compute_loop_campaign_count",
        groups="five_customer_loop.group_loop_user",
    )

    def _compute_loop_campaign_count(self):
        counts = dict(
            self.env["loop.campaign.member"]._read_group(
                [
                    ("partner_id", "in", self.ids),
                    ("company_id", "=", self.env.company.id),
                ],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.loop_campaign_count = counts.get(partner, 0)

    def action_loop_campaigns(self):
        """The customer's campaigns in this store: treated or held out, outcome."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.loop_campaign_member_action"
        )
        action["domain"] = [
            ("partner_id", "=", self.id),
            ("company_id", "=", self.env.company.id),
        ]
        action["context"] = {}
        return action
