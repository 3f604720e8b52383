from odoo import fields, models
from odoo.tools import SQL

WEEKDAYS = [
    ("1", "Monday"),
    ("2", "Tuesday"),
    ("3", "Wednesday"),
    ("4", "Thursday"),
    ("5", "Friday"),
    ("6", "Saturday"),
    ("7", "Sunday"),
]
HOURS = [(f"{hour:02d}", f"{hour:02d}:00") for hour in range(24)]


class LoopBookingPeakReport(models.Model):
    """Bookings by weekday and hour of the store's local time, to plan staff."""

    _name = "loop.booking.peak.report"
    _description = "Booking Peaks"
    _auto = False
    _order = "weekday, hour"
    _rec_name = "event_id"
    _depends = {
        "calendar.event": [
            "start",
            "duration",
            "is_loop_booking",
            "active",
            "loop_staff_id",
            "loop_partner_id",
            "loop_state",
            "loop_company_id",
        ],
        "res.company": ["partner_id"],
        "res.partner": ["tz"],
    }

    event_id = fields.Many2one("calendar.event", string="Booking", readonly=True)
    start = fields.Datetime(readonly=True)
    weekday = fields.Selection(
        WEEKDAYS, readonly=True, help="Day of the week in the store's time zone."
    )
    hour = fields.Selection(
        HOURS, readonly=True, help="Hour the booking starts, in the store's time zone."
    )
    staff_id = fields.Many2one("res.users", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    state = fields.Selection(
        [
            ("booked", "Booked"),
            ("confirmed", "Confirmed"),
            ("arrived", "Arrived"),
            ("done", "Done"),
            ("no_show", "No-show"),
            ("cancelled", "Cancelled"),
        ],
        string="Status",
        readonly=True,
    )
    company_id = fields.Many2one("res.company", string="Store", readonly=True)
    duration = fields.Float(
        string="Booked Hours", readonly=True, help="Staff time the bookings take."
    )

    @property
    def _table_query(self):
        local = SQL(
            """(e.start AT TIME ZONE 'UTC'
                AT TIME ZONE COALESCE(NULLIF(cp.tz, ''), 'UTC'))"""
        )
        return SQL(
            """SELECT e.id, e.id AS event_id, e.start,
                      EXTRACT(ISODOW FROM %(local)s)::integer::varchar AS weekday,
                      lpad(EXTRACT(HOUR FROM %(local)s)::integer::varchar, 2, '0')
                          AS hour,
                      e.loop_staff_id AS staff_id, e.loop_partner_id AS partner_id,
                      e.loop_state AS state, e.loop_company_id AS company_id,
                      e.duration
                 FROM calendar_event e
                 JOIN res_company c ON c.id = e.loop_company_id
                 JOIN res_partner cp ON cp.id = c.partner_id
                WHERE e.is_loop_booking AND e.active""",
            local=local,
        )
