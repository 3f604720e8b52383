from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib import booking_rules as rules
from .res_partner import SENSITIVE, UPCOMING_STATES


# one concern of the customer per file, on purpose (see res_partner.py)
class ResPartner(models.Model):
    """The booking side of the customer: bookings, their rates, the visit plan."""

    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    loop_booking_ids = fields.One2many(
        "calendar.event", "loop_partner_id", string="Bookings", groups=SENSITIVE
    )
    loop_next_booking_date = fields.Datetime(
        string="Next Booking",
        compute="_compute_loop_next_booking",
        groups=SENSITIVE,
        help="Start of the customer's next booked or confirmed visit in this store.",
    )
    loop_next_booking_id = fields.Many2one(
        "calendar.event",
        string="Next Booking Details",
        compute="_compute_loop_next_booking",
        groups=SENSITIVE,
    )
    loop_due_for_visit = fields.Boolean(
        string="Due for Visit",
        compute="_compute_loop_due_for_visit",
        search="_search_loop_due_for_visit",
        groups=SENSITIVE,
        help="The expected next visit is past or close (see Settings), the "
        "customer has no future booking and is not lost.",
    )
    loop_booking_count = fields.Integer(
        string="Booking Count", compute="_compute_loop_booking_rates", groups=SENSITIVE
    )
    loop_no_show_rate = fields.Float(
        string="No-show Rate (%)",
        compute="_compute_loop_booking_rates",
        digits=(16, 1),
        groups=SENSITIVE,
        help="No-shows out of the bookings that are over (done, no-show or "
        "cancelled).",
    )
    loop_cancel_rate = fields.Float(
        string="Cancellation Rate (%)",
        compute="_compute_loop_booking_rates",
        digits=(16, 1),
        groups=SENSITIVE,
        help="Cancellations out of the bookings that are over (done, no-show or "
        "cancelled).",
    )

    # ------------------------------------------------------------------ computes
    def _compute_loop_next_booking(self):
        upcoming = self.env["calendar.event"].search(
            [
                ("loop_partner_id", "in", self.ids),
                ("is_loop_booking", "=", True),
                ("loop_company_id", "=", self.env.company.id),
                ("loop_state", "in", UPCOMING_STATES),
                ("start", ">=", fields.Datetime.now()),
            ],
            order="start, id",
        )
        first = {}
        for event in upcoming:
            first.setdefault(event.loop_partner_id.id, event)
        for partner in self:
            event = first.get(partner.id, upcoming.browse())
            partner.loop_next_booking_id = event
            partner.loop_next_booking_date = event.start

    def _compute_loop_due_for_visit(self):
        due = set(self._loop_due_ids(self.ids))
        for partner in self:
            partner.loop_due_for_visit = partner.id in due

    def _search_loop_due_for_visit(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(
                self.env._("Search customers due for a visit with = True or = False.")
            )
        positive = (operator == "=") == value
        # a subquery, not a list of ids: the overview counts it in one query
        due = SQL("(%s)", self._loop_due_query())
        return [("id", "in" if positive else "not in", due)]

    def _compute_loop_booking_rates(self):
        rows = self.env["calendar.event"]._read_group(
            [
                ("loop_partner_id", "in", self.ids),
                ("is_loop_booking", "=", True),
                ("loop_company_id", "=", self.env.company.id),
            ],
            ["loop_partner_id", "loop_state"],
            ["__count"],
        )
        counts = {}
        for partner, state, count in rows:
            counts.setdefault(partner, {})[state] = count
        for partner in self:
            by_state = counts.get(partner, {})
            over = sum(
                by_state.get(state, 0)
                for state in (rules.DONE, rules.NO_SHOW, rules.CANCELLED)
            )
            partner.loop_booking_count = sum(by_state.values())
            partner.loop_no_show_rate = rules.rate(by_state.get(rules.NO_SHOW, 0), over)
            partner.loop_cancel_rate = rules.rate(
                by_state.get(rules.CANCELLED, 0), over
            )

    # ------------------------------------------------------------- visit plan
    @api.model
    def _loop_due_ids(self, ids=None, company=None):
        """Customers due for a visit in ``company`` (the current one): one query."""
        rows = self.env.execute_query(self._loop_due_query(ids, company))
        return [row[0] for row in rows]

    @api.model
    def _loop_due_query(self, ids=None, company=None):
        """SQL selecting the ids of the customers due for a visit in ``company``."""
        company = company or self.env.company
        restrict = (
            SQL("AND m.partner_id = ANY(%s)", list(ids)) if ids is not None else SQL()
        )
        return SQL(
            """SELECT m.partner_id FROM loop_customer m
                WHERE m.company_id = %s AND m.active AND %s %s""",
            company.id,
            self._loop_due_condition("m", company),
            restrict,
        )

    @api.model
    def _loop_due_condition(self, alias, company):
        """SQL condition on the loop.customer row ``alias``: due for a visit.

        The customer's expected next visit (last visit + her average interval)
        is past or within the company's planning window, she has no booked or
        confirmed visit to come, and she is not in the Lost stage (those are
        the win-back calls). The one definition: the Bookings menu, the
        overview (counted in its one pass over the rows) and the daily visit
        plan all use it.
        """
        self.env["calendar.event"].flush_model(
            ["loop_partner_id", "loop_state", "start", "is_loop_booking", "active"]
        )
        self.env["loop.customer"].flush_model(["next_visit", "stage_id", "active"])
        row = SQL.identifier(alias)
        limit = company._loop_today() + timedelta(days=company.loop_visit_due_days)
        return SQL(
            """(%(m)s.next_visit <= %(limit)s
               AND (%(m)s.stage_id IS NULL OR %(m)s.stage_id <> ALL(%(lost)s))
               AND NOT EXISTS (
                   SELECT 1 FROM calendar_event e
                    WHERE e.loop_partner_id = %(m)s.partner_id AND e.is_loop_booking
                      AND e.active AND e.loop_company_id = %(company)s
                      AND e.loop_state IN %(upcoming)s
                      AND e.start >= %(now)s))""",
            m=row,
            limit=limit,
            company=company.id,
            upcoming=UPCOMING_STATES,
            now=fields.Datetime.now(),
            lost=self.env["loop.stage"].search([("is_lost", "=", True)]).ids,
        )

    @api.model
    def _cron_loop_visit_plan(self):
        """Daily: invite the customers due for a visit, through their staff.

        One "Visit due" activity per customer for their responsible staff
        member, never two open at once; customers without responsible staff
        only show in the Due for Visit list.
        """
        Partner = self.sudo()  # system task: every company's customers
        summary = self.env._("Invite the customer for their next visit")
        for company in self.env["res.company"].sudo().search([]):
            due = Partner.browse(Partner._loop_due_ids(company=company))
            self.env["mail.activity"]._loop_schedule(
                "five_customer_loop.mail_activity_type_visit_due",
                [
                    {
                        "res_id": partner.id,
                        "user_id": partner.loop_user_id.id,
                        "summary": summary,
                    }
                    for partner in due
                ],
            )
        return True

    # -------------------------------------------------------------------- actions
    def action_loop_view_bookings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.calendar_event_action_loop_booking"
        )
        action["domain"] = [("loop_partner_id", "=", self.id)]
        action["context"] = {
            "default_is_loop_booking": True,
            "default_loop_partner_id": self.id,
        }
        return action

    def action_loop_book_visit(self):
        """Book the customer's next visit: the booking form, pre-filled."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.calendar_event_action_loop_booking"
        )
        action.update(
            views=[
                (
                    self.env.ref("five_customer_loop.calendar_event_view_form_loop").id,
                    "form",
                )
            ],
            view_mode="form",
            context={
                "default_is_loop_booking": True,
                "default_loop_partner_id": self.id,
                "default_loop_staff_id": self.loop_user_id.id or self.env.uid,
            },
        )
        return action
