from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL


class ProductTemplate(models.Model):
    _inherit = "product.template"

    loop_bookable = fields.Boolean(
        string="Bookable Service",
        help="Customers book this service in the calendar (and it is offered in the "
        "booking form). Services of other trades (hotel nights, assembly...) stay "
        "out of the bookings.",
    )
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

    @api.model
    def _loop_mark_bookable_services(self):
        """Mark the services the stores already book or sell at the till.

        At install and upgrade: services booked, written in a care record, held
        in a session package or sold where a bridge says (the POS bridge: the
        services of the till) become bookable; one query.
        """
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """UPDATE product_template t SET loop_bookable = TRUE
                    WHERE t.type = 'service' AND NOT COALESCE(t.loop_bookable, FALSE)
                      AND (%s
                           OR t.id IN (
                               SELECT p.product_tmpl_id FROM product_product p
                                WHERE p.id IN (
                                 SELECT product_id FROM calendar_event_loop_service_rel
                                 UNION SELECT product_id FROM loop_care_record
                                 UNION SELECT product_id FROM loop_card_type_line)))""",
                self._loop_sold_services(),
            )
        )
        self.invalidate_model(["loop_bookable"])

    @api.model
    def _loop_sold_services(self):
        """SQL condition on the templates ``t`` that the stores sell as
        services (bridges add theirs)."""
        return SQL("false")
