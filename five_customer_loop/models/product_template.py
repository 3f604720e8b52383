from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ProductTemplate(models.Model):
    _inherit = "product.template"

    loop_duration = fields.Float(
        string="Service Duration (hours)",
        default=1.0,
        help="How long a booking of this service takes: a booking lasts the sum of "
        "the durations of its services.",
    )
    loop_rebook_interval_days = fields.Integer(
        string="Rebook After (days)",
        help="When the customer should come back for this service. The next visit "
        "proposed when a booking is done (reverse appointment) is this many days "
        "later; empty to use the customer's own average interval.",
    )

    @api.constrains("loop_duration", "loop_rebook_interval_days")
    def _check_loop_booking_figures(self):
        for template in self:
            if template.loop_duration < 0 or template.loop_rebook_interval_days < 0:
                raise ValidationError(
                    self.env._(
                        "The duration and the rebooking interval of %(service)s "
                        "cannot be negative.",
                        service=template.display_name,
                    )
                )
