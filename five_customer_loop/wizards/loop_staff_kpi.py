from odoo import fields, models


class LoopStaffKpi(models.TransientModel):
    """One staff member's KPIs over the wizard's period."""

    _name = "loop.staff.kpi"
    _description = "Staff KPI"
    _order = "staff_id"
    _rec_name = "staff_id"

    wizard_id = fields.Many2one(
        "loop.staff.kpi.wizard", required=True, ondelete="cascade", index=True
    )
    staff_id = fields.Many2one("res.users", readonly=True)
    company_id = fields.Many2one("res.company", string="Store", readonly=True)
    customer_count = fields.Integer(
        string="Customers Owned",
        readonly=True,
        help="Customers this staff member is responsible for (专人负责), today.",
    )
    new_customer_count = fields.Integer(
        string="New Customers",
        readonly=True,
        help="Owned customers whose first paid visit falls in the period.",
    )
    active_before_count = fields.Integer(
        string="Active a Year Before",
        readonly=True,
        help="Owned customers with a paid visit in the 12 months up to one year "
        "before the end of the period.",
    )
    retained_count = fields.Integer(
        string="Retained",
        readonly=True,
        help="Of those, the customers with a paid visit in the 12 months up to the "
        "end of the period.",
    )
    retention_rate = fields.Float(
        string="Retention (%)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Retained out of active a year before.",
    )
    booking_count = fields.Integer(
        string="Bookings", readonly=True, help="Bookings starting in the period."
    )
    done_count = fields.Integer(string="Done Bookings", readonly=True)
    rebooked_count = fields.Integer(
        string="Rebooked",
        readonly=True,
        help="Done bookings whose customer's next visit was booked within a day "
        "(反预约).",
    )
    rebooking_rate = fields.Float(
        string="Rebooking Rate (%)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Rebooked out of done bookings.",
    )
    no_show_count = fields.Integer(string="No-shows", readonly=True)
    cancel_count = fields.Integer(string="Cancellations", readonly=True)
    over_count = fields.Integer(
        string="Bookings Over",
        readonly=True,
        help="Bookings of the period that are over: done, no-show or cancelled.",
    )
    no_show_rate = fields.Float(
        string="No-show Rate (%)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="No-shows out of the bookings that are over (done, no-show, cancelled).",
    )
    cancel_rate = fields.Float(
        string="Cancellation Rate (%)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Cancellations out of the bookings that are over.",
    )
    visit_count = fields.Integer(
        string="Visits Served",
        readonly=True,
        help="Paid visits served in the months of the period (the staff member of "
        "the visit's done booking, else the till's user).",
    )
    returned_90 = fields.Integer(
        string="Back in 90 Days",
        readonly=True,
        help="Visits served whose customer came back within 90 days.",
    )
    same_staff_90 = fields.Integer(
        string="Back to Them in 90 Days",
        readonly=True,
        help="Visits served whose customer came back to this staff member within "
        "90 days.",
    )
    revisit_rate = fields.Float(
        string="Back to the Store (%)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Back in 90 days out of visits served (the seed's retention of one's "
        "own customers, as salon systems measure it).",
    )
    same_staff_rate = fields.Float(
        string="Back to Them (%)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Back to this staff member in 90 days out of visits served.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    cash_amount = fields.Monetary(
        string="Cash Performance",
        readonly=True,
        help="现金业绩: money taken on the staff member's till lines of the period "
        "(card sales, top-ups, services and products paid other than from stored "
        "value), net of refunds.",
    )
    consumption_amount = fields.Monetary(
        string="Consumption Performance",
        readonly=True,
        help="消耗业绩: value of the services the staff member delivered in the "
        "period, whatever paid them: money, stored value, or sessions of a "
        "package (at the value the package gives them), net of refunds.",
    )
    service_count = fields.Integer(
        string="Services Delivered",
        readonly=True,
        help="Units of services on the staff member's till lines of the period, "
        "those taken from packages included, net of refunds.",
    )
    served_customer_count = fields.Integer(
        string="Customers Served",
        readonly=True,
        help="Customers the staff member delivered a service to in the period "
        "(and did not refund).",
    )
    session_count = fields.Integer(
        string="Care Records",
        readonly=True,
        help="Done care records of the period.",
    )
    rated_count = fields.Integer(string="Rated Sessions", readonly=True)
    satisfaction = fields.Float(
        string="Average Satisfaction",
        readonly=True,
        digits=(16, 2),
        aggregator="avg",
        help="Average rating (1 to 5 stars) of the rated care records.",
    )
