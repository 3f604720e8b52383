from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    loop_lost_days = fields.Integer(
        string="Lost After (days)",
        default=180,
        help="A customer with no paid visit for more than this many days is Lost.",
    )
    loop_at_risk_min_days = fields.Integer(
        string="At Risk After (days)",
        default=60,
        help="A customer is at risk after max(this many days, factor x their own "
        "average interval between visits) without a visit.",
    )
    loop_at_risk_factor = fields.Float(
        string="At Risk Interval Factor",
        default=2.0,
        help="How many of the customer's own average intervals may pass before "
        "they are at risk.",
    )
    loop_segment_mode = fields.Selection(
        [("median", "Median of active customers"), ("manual", "Fixed by hand")],
        string="Segment Thresholds",
        default="median",
        required=True,
    )
    loop_segment_amount = fields.Float(
        string="High Amount From",
        help="Average ticket from which a customer counts as high amount. "
        "Recomputed every night in median mode.",
    )
    loop_segment_frequency = fields.Float(
        string="Frequent From (visits)",
        help="Visits in the last 12 months from which a customer counts as "
        "frequent. Recomputed every night in median mode.",
    )
    loop_conversion_days = fields.Integer(
        string="Conversion Window (days)",
        default=90,
        help="Stage conversion counts customers who reach the next stage within "
        "this many days after entering a stage.",
    )
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

    @api.constrains(
        "loop_lost_days",
        "loop_at_risk_min_days",
        "loop_at_risk_factor",
        "loop_conversion_days",
        "loop_segment_amount",
        "loop_segment_frequency",
    )
    def _check_loop_settings(self):
        for company in self:
            if company.loop_lost_days <= 0 or company.loop_at_risk_min_days <= 0:
                raise ValidationError(
                    self.env._(
                        "The lost and at-risk delays must be positive numbers of days."
                    )
                )
            if company.loop_at_risk_min_days >= company.loop_lost_days:
                raise ValidationError(
                    self.env._(
                        "A customer must be at risk before being lost: the at-risk "
                        "delay (%(risk)s days) must be shorter than the lost delay "
                        "(%(lost)s days).",
                        risk=company.loop_at_risk_min_days,
                        lost=company.loop_lost_days,
                    )
                )
            if company.loop_at_risk_factor <= 0 or company.loop_conversion_days <= 0:
                raise ValidationError(
                    self.env._(
                        "The interval factor and the conversion window must be "
                        "positive."
                    )
                )
            if company.loop_segment_amount < 0 or company.loop_segment_frequency < 0:
                raise ValidationError(
                    self.env._("Segment thresholds cannot be negative.")
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

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._loop_create_default_tiers()
        return companies

    def _loop_create_default_tiers(self):
        """Give companies without tiers a copy of the default tiers (seed 004)."""
        templates = self.env["loop.tier"]
        for code in ("key", "a", "b", "c", "d", "e"):
            templates |= (
                self.env.ref(
                    f"five_customer_loop.tier_{code}", raise_if_not_found=False
                )
                or templates
            )
        # sudo: copying the default tiers is part of creating a company, which
        # only administrators do; it writes nothing but those tiers.
        templates = templates.sudo()
        for company in self:
            if templates and not templates.search_count(
                [("company_id", "=", company.id)]
            ):
                for template in templates:
                    template.copy({"company_id": company.id})

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
        "or within this many days, they have no future booking and they are not "
        "lost.",
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

    # ------------------------------------------------------------ the store's day
    def _loop_tz(self):
        """The store's time zone: the company's, else UTC.

        The one answer to "which day is it in this store", whoever asks: the
        SQL that buckets orders into local days uses the same zone.
        """
        return (self[:1] or self.env.company).partner_id.tz or "UTC"

    def _loop_date(self, value):
        """The store's day of a naive UTC datetime (a date is returned as is)."""
        if isinstance(value, str):
            value = fields.Datetime.to_datetime(value) if len(value) > 10 else value
        if not isinstance(value, datetime):
            return fields.Date.to_date(value)
        zone = pytz.timezone(self._loop_tz())
        return pytz.utc.localize(value).astimezone(zone).date()

    def _loop_utc(self, local):
        """A naive datetime of the store's time zone as a naive UTC datetime."""
        zone = pytz.timezone(self._loop_tz())
        return zone.localize(local).astimezone(pytz.utc).replace(tzinfo=None)

    def _loop_day_start(self, day, days=0):
        """The naive UTC datetime at which the store's day ``day`` (+ ``days``)
        begins: the bounds of a local day for a search on a datetime field."""
        return self._loop_utc(datetime.combine(day + timedelta(days=days), time.min))

    def _loop_today(self):
        """The store's day now (Odoo's clock: tests can freeze it).

        The history's reconstruction compiles the stage rules as of a past
        month-end: it passes that day as the context's ``loop_today``.
        """
        return self.env.context.get("loop_today") or self._loop_date(
            fields.Datetime.now()
        )
