from odoo import fields, models


class LoopCardTypeLine(models.Model):
    """A service of a session package and its number of sessions."""

    _name = "loop.card.type.line"
    _description = "Session Package Service"
    _order = "type_id, sequence, id"
    _check_company_auto = True

    type_id = fields.Many2one(
        "loop.card.type",
        string="Card Type",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="type_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    product_id = fields.Many2one(
        "product.product",
        string="Service",
        required=True,
        check_company=True,
        domain="[('type', '=', 'service')]",
    )
    sessions = fields.Integer(required=True, default=1)

    _sql_constraints = [
        (
            "sessions_positive",
            "CHECK(sessions > 0)",
            "A service of a package needs at least one session.",
        ),
        (
            "product_uniq",
            "unique(type_id, product_id)",
            "A service can appear only once in a package: add up its sessions instead.",
        ),
    ]
