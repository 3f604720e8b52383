"""Staff KPIs (seed 000) of a period: one line per staff member, a few queries."""

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib import booking_rules as rules
from ..lib import loop_rules, retention_rules
from ..lib.loop_sql import visit_days

COUNTS = (
    "customer_count",
    "new_customer_count",
    "active_before_count",
    "retained_count",
    "booking_count",
    "done_count",
    "rebooked_count",
    "no_show_count",
    "cancel_count",
    "session_count",
    "rated_count",
    "visit_count",
    "returned_90",
    "same_staff_90",
    "service_count",
    "served_customer_count",
)
AMOUNTS = ("cash_amount", "consumption_amount")


def _last_month(wizard):
    """The last full month before today: (its first day, its last day)."""
    first = fields.Date.context_today(wizard).replace(day=1) - relativedelta(months=1)
    return first, first + relativedelta(months=1, days=-1)


class LoopStaffKpiWizard(models.TransientModel):
    """The period and store of a staff KPI report."""

    _name = "loop.staff.kpi.wizard"
    _description = "Staff KPIs"

    # a full month by default (the last one): month-to-date compares badly
    date_from = fields.Date(
        string="From", required=True, default=lambda self: _last_month(self)[0]
    )
    date_to = fields.Date(
        string="To", required=True, default=lambda self: _last_month(self)[1]
    )
    company_id = fields.Many2one(
        "res.company",
        string="Store",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.user.company_ids.ids)],
    )
    line_ids = fields.One2many("loop.staff.kpi", "wizard_id", string="Lines")

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise UserError(self.env._("The period must start before it ends."))

    # ---------------------------------------------------------------- figures
    def _owned_customers(self):
        """``{partner_id: (staff_id, first visit)}`` of the customers with a staff."""
        self.env["res.partner"].flush_model(["loop_user_id", "active"])
        self.env["loop.customer"].flush_model(["first_visit"])
        rows = self.env.execute_query(
            SQL(
                """SELECT p.id, p.loop_user_id, m.first_visit FROM res_partner p
                     LEFT JOIN loop_customer m
                            ON m.partner_id = p.id AND m.company_id = %(company)s
                    WHERE p.loop_user_id IS NOT NULL AND p.active""",
                company=self.company_id.id,
            )
        )
        return {pid: (staff, first) for pid, staff, first in rows}

    def _active_customers(self, ids):
        """Customers of ``ids`` active 12 months before the end, and active at the end.

        Active at a day: at least one paid visit in the 12 months up to that day
        (the engine's definition: a day with a positive paid order). Returns
        ``{partner_id: (active then, active now)}``.
        """
        if not ids:
            return {}
        engine = self.env["loop.engine"]
        orders = engine._paid_orders(self.company_id, ids)
        then = self.date_to - relativedelta(months=12)
        rows = self.env.execute_query(
            SQL(
                """SELECT partner_id,
                          bool_or(day BETWEEN %(then_from)s AND %(then)s),
                          bool_or(day BETWEEN %(now_from)s AND %(now)s)
                     FROM (%(days)s) visits WHERE visit
                    GROUP BY partner_id""",
                days=visit_days(orders),
                then_from=loop_rules.window_start(then),
                then=then,
                now_from=loop_rules.window_start(self.date_to),
                now=self.date_to,
            )
        )
        return {pid: (bool(before), bool(now)) for pid, before, now in rows}

    def _booking_figures(self):
        """Per staff: bookings, done, rebooked, no-shows and cancellations.

        Bookings count by their local start day in the period; a done booking
        is rebooked when a next booking linked to it was created within a day
        of its completion.
        """
        tz = self.company_id._loop_tz()
        self.env["calendar.event"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """SELECT e.loop_staff_id, COUNT(*),
                          COUNT(*) FILTER (WHERE e.loop_state = 'done'),
                          COUNT(*) FILTER (WHERE e.loop_state = 'done' AND EXISTS (
                              SELECT 1 FROM calendar_event n
                               WHERE n.loop_rebooked_from_id = e.id AND
                                     n.loop_booked_on
                                     <= e.loop_done_date + %(window)s)),
                          COUNT(*) FILTER (WHERE e.loop_state = 'no_show'),
                          COUNT(*) FILTER (WHERE e.loop_state = 'cancelled')
                     FROM calendar_event e
                    WHERE e.is_loop_booking AND e.active
                      AND e.loop_company_id = %(company)s
                      AND e.loop_staff_id IS NOT NULL
                      AND (e.start AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date
                          BETWEEN %(date_from)s AND %(date_to)s
                    GROUP BY e.loop_staff_id""",
                window=rules.REBOOK_WINDOW,
                company=self.company_id.id,
                tz=tz,
                date_from=self.date_from,
                date_to=self.date_to,
            )
        )
        return {row[0]: row[1:] for row in rows}

    def _care_figures(self):
        """Per staff: done care records (sessions delivered), rated ones, ratings."""
        tz = self.company_id._loop_tz()
        self.env["loop.care.record"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """SELECT r.user_id, COUNT(*),
                          COUNT(*) FILTER (WHERE r.satisfaction <> '0'),
                          COALESCE(SUM(r.satisfaction::integer)
                                   FILTER (WHERE r.satisfaction <> '0'), 0)
                     FROM loop_care_record r
                    WHERE r.state = 'done' AND r.user_id IS NOT NULL
                      AND r.company_id = %(company)s
                      AND (r.date AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date
                          BETWEEN %(date_from)s AND %(date_to)s
                    GROUP BY r.user_id""",
                company=self.company_id.id,
                tz=tz,
                date_from=self.date_from,
                date_to=self.date_to,
            )
        )
        return {row[0]: row[1:] for row in rows}

    def _till_figures(self):
        """Per staff: ``(cash, consumption, services, customers served)``.

        From the paid till orders of the period (refunds included, with their
        sign), line by line. A line is credited to the staff member the till
        named on it, else to the staff member of the customer's done booking
        that day, else to the cashier (``lib.loop_sql.credited_staff``, as the
        return rates):

        - cash (现金业绩): the money taken on the line, that is its amount less
          the order's share paid from stored value (a card sale or top-up is
          money taken; a service paid from a card is not);
        - consumption (消耗业绩): the value of the services delivered, whatever
          paid them: the line's amount (money and stored value alike) and, for
          a service taken from a package, the value of the sessions it used
          (the card ledger's consumption of that order and service);
        - services delivered: the units of service lines (a card sold is no
          service), net of refunds; customers served: the customers with
          services left after their refunds.

        Amounts are in company currency (the orders' own rates). The loop has
        no till: the POS bridge reads its orders.
        """
        return {}

    def _return_figures(self):
        """``[(staff_id, visits, back in 90 days, back to them)]`` per month.

        From the return rates of the months the period touches (whole months):
        the stored rows where the nightly job wrote them, computed now (one
        query) for the others, such as the current month.
        """
        Rate = self.env["loop.return.rate"].sudo()  # derived figures of this store
        months = retention_rules.months_between(self.date_from, self.date_to)
        stored = Rate.search(
            [
                ("company_id", "=", self.company_id.id),
                ("scope", "=", "staff"),
                ("month", "in", months),
            ]
        )
        rows = [
            (row.user_id.id, row.visit_count, row.returned_90, row.same_staff_90)
            for row in stored
        ]
        missing = sorted(set(months) - set(stored.mapped("month")))
        if missing:
            rows += [
                (
                    values["user_id"],
                    values["visit_count"],
                    values["returned_90"],
                    values["same_staff_90"],
                )
                for values in Rate._compute_months(
                    self.company_id, missing[0], missing[-1]
                )
                if values["scope"] == "staff" and values["month"] in missing
            ]
        return rows

    def _compute_lines(self):
        """Replace the lines by the figures of the period: six queries (seven
        when a month of the period has no stored return rates)."""
        self.ensure_one()
        if self.company_id not in self.env.companies:
            raise UserError(self.env._("Choose one of your companies."))
        figures = {}

        def add(staff, **values):
            line = figures.setdefault(
                staff, {**dict.fromkeys(COUNTS, 0), **dict.fromkeys(AMOUNTS, 0.0)}
            )
            for name, value in values.items():
                line[name] += value

        owned = self._owned_customers()
        active = self._active_customers(list(owned))
        for pid, (staff, first) in owned.items():
            before, now = active.get(pid, (False, False))
            add(
                staff,
                customer_count=1,
                new_customer_count=int(
                    bool(first and self.date_from <= first <= self.date_to)
                ),
                active_before_count=int(before),
                retained_count=int(before and now),
            )
        for staff, (
            total,
            done,
            rebooked,
            no_show,
            cancel,
        ) in self._booking_figures().items():
            add(
                staff,
                booking_count=total,
                done_count=done,
                rebooked_count=rebooked,
                no_show_count=no_show,
                cancel_count=cancel,
            )
        for staff, visits, back, same in self._return_figures():
            add(staff, visit_count=visits, returned_90=back, same_staff_90=same)
        currency = self.company_id.currency_id
        for staff, (
            cash,
            consumption,
            services,
            served,
        ) in self._till_figures().items():
            add(
                staff,
                cash_amount=currency.round(float(cash or 0.0)),
                consumption_amount=currency.round(float(consumption or 0.0)),
                service_count=int(services or 0),
                served_customer_count=served,
            )
        ratings = {}
        for staff, (sessions, rated, rating_sum) in self._care_figures().items():
            add(staff, session_count=sessions, rated_count=rated)
            ratings[staff] = rating_sum
        self.line_ids.unlink()
        vals_list = []
        for staff, line in sorted(figures.items()):
            over = line["done_count"] + line["no_show_count"] + line["cancel_count"]
            vals_list.append(
                {
                    "wizard_id": self.id,
                    "staff_id": staff,
                    "company_id": self.company_id.id,
                    **line,
                    "over_count": over,
                    # no base, no rate: the list shows "–" (the base beside)
                    "retention_rate": rules.rate(
                        line["retained_count"], line["active_before_count"]
                    ),
                    "rebooking_rate": rules.rate(
                        line["rebooked_count"], line["done_count"]
                    ),
                    "revisit_rate": rules.rate(
                        line["returned_90"], line["visit_count"]
                    ),
                    "same_staff_rate": rules.rate(
                        line["same_staff_90"], line["visit_count"]
                    ),
                    "no_show_rate": rules.rate(line["no_show_count"], over),
                    "cancel_rate": rules.rate(line["cancel_count"], over),
                    "satisfaction": round(
                        ratings.get(staff, 0) / line["rated_count"], 2
                    )
                    if line["rated_count"]
                    else 0.0,
                }
            )
        self.env["loop.staff.kpi"].create(vals_list)
        return self.line_ids

    def action_open(self):
        """Compute the KPIs of the period and show them per staff member."""
        self._compute_lines()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.loop_staff_kpi_action"
        )
        action["domain"] = [("wizard_id", "=", self.id)]
        action["context"] = {}
        action["display_name"] = self.env._(
            "Staff KPIs %(start)s – %(end)s", start=self.date_from, end=self.date_to
        )
        return action
