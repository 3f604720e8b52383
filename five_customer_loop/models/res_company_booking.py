from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    loop_rebook_default_days = fields.Integer(
        string="Rebook After (days)",
        default=30,
        help="Days until the next visit proposed after a booking when neither the "
        "service nor the customer's own rhythm gives an interval.",
    )
    loop_visit_due_days = fields.Integer(
        string="Due for Visit Within (days)",
        default=7,
        help="A customer is due for a visit when their expected next visit is past "
        "or within this many days and they have no future booking.",
    )

    @api.constrains("loop_rebook_default_days", "loop_visit_due_days")
    def _check_loop_booking_days(self):
        for company in self:
            if company.loop_rebook_default_days < 1 or company.loop_visit_due_days < 0:
                raise ValidationError(
                    self.env._(
                        "The default rebooking interval is at least one day and the "
                        "visit planning window cannot be negative."
                    )
                )
