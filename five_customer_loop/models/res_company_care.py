from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    loop_birthday_days = fields.Integer(
        string="Birthday Reminder (days before)",
        default=7,
        help="How many days before a customer's birthday (solar, or lunar when "
        "set) their responsible staff gets a reminder.",
    )
    loop_follow_up_days = fields.Integer(
        string="Follow-up Visit (days after)",
        default=3,
        help="How many days after a service the follow-up call (回访) is due.",
    )

    @api.constrains("loop_birthday_days", "loop_follow_up_days")
    def _check_loop_care_days(self):
        for company in self:
            if not 0 <= company.loop_birthday_days <= 60:
                raise ValidationError(
                    self.env._(
                        "Birthday reminders are sent from 0 to 60 days before the "
                        "birthday, not %(days)s.",
                        days=company.loop_birthday_days,
                    )
                )
            if not 0 <= company.loop_follow_up_days <= 60:
                raise ValidationError(
                    self.env._(
                        "The follow-up call is due from 0 to 60 days after the "
                        "service, not %(days)s.",
                        days=company.loop_follow_up_days,
                    )
                )
