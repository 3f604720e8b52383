"""Customer care reminders (客情关怀): birthdays and post-service follow-ups.

Each reminder is an activity for the customer's responsible staff, with a
mail template to send from it, and a line of this log. The log makes the
reminders idempotent: one reminder per customer, reason and occasion (a
birthday, a care date), and never a second open activity of the same reason
for a customer.
"""

from datetime import timedelta

from odoo import api, fields, models

from ..lib import retention_rules

REASONS = [("birthday", "Birthday"), ("follow_up", "Follow-up Visit")]

ACTIVITY_TYPES = {
    "birthday": "five_customer_loop.mail_activity_type_birthday",
    "follow_up": "five_customer_loop.mail_activity_type_follow_up",
}


class LoopCareReminder(models.Model):
    _name = "loop.care.reminder"
    _description = "Customer Care Reminder"
    _order = "occasion desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    reason = fields.Selection(REASONS, required=True, readonly=True)
    occasion = fields.Date(
        required=True,
        readonly=True,
        help="The birthday, or the day of the care record to follow up.",
    )
    date_deadline = fields.Date(string="Due Date", readonly=True)
    user_id = fields.Many2one("res.users", string="Responsible Staff", readonly=True)
    activity_id = fields.Many2one("mail.activity", readonly=True, ondelete="set null")
    note = fields.Char(readonly=True)

    _sql_constraints = [
        (
            "occasion_uniq",
            "unique(partner_id, reason, occasion)",
            "A customer is reminded only once for the same occasion.",
        ),
    ]

    # ------------------------------------------------------------------ helpers
    @api.model
    def _schedule(self, reason, items):
        """Create the reminders ``items`` that are not there yet.

        ``items`` are dicts with ``partner_id``, ``company_id``, ``occasion``,
        ``date_deadline``, ``user_id`` and ``summary``. Skipped: items without
        a user, a customer held out by a running campaign of the same kind, a
        customer already reminded for that occasion, a customer who still has
        an open activity of this reason. Returns the new reminders.
        """
        items = [item for item in items if item["user_id"]]
        if not items:
            return self
        # a running campaign of this kind holds some customers out: nothing
        # for them from the reminders either
        Member = self.env["loop.campaign.member"]
        held = set()
        for company in self.env["res.company"].browse(
            {item["company_id"] for item in items}
        ):
            held |= {
                (pid, company.id)
                for pid in Member._held_out(
                    reason,
                    company,
                    [i["partner_id"] for i in items if i["company_id"] == company.id],
                )
            }
        items = [i for i in items if (i["partner_id"], i["company_id"]) not in held]
        if not items:
            return self
        ids = list({item["partner_id"] for item in items})
        # sudo: reminders are a system task run for every staff member, who may
        # not see each other's activities and customers.
        done = {
            (log.partner_id.id, log.occasion)
            for log in self.sudo().search(
                [("partner_id", "in", ids), ("reason", "=", reason)]
            )
        }
        todo = []
        for item in items:
            key = (item["partner_id"], item["occasion"])
            if key not in done:
                done.add(key)
                todo.append(item)
        activities = self.env["mail.activity"]._loop_schedule(
            ACTIVITY_TYPES[reason],
            [
                {
                    "res_id": item["partner_id"],
                    "user_id": item["user_id"],
                    "summary": item["summary"],
                    "date_deadline": item["date_deadline"],
                }
                for item in todo
            ],
        )
        # one reminder per activity created (a customer gets one at a time)
        made = [
            (item, activities.pop(item["partner_id"]))
            for item in todo
            if item["partner_id"] in activities
        ]
        if not made:
            return self
        return self.sudo().create(  # see above
            [
                {
                    "partner_id": item["partner_id"],
                    "company_id": item["company_id"],
                    "reason": reason,
                    "occasion": item["occasion"],
                    "date_deadline": item["date_deadline"],
                    "user_id": item["user_id"],
                    "activity_id": activity.id,
                    "note": item["summary"],
                }
                for item, activity in made
            ]
        )

    # --------------------------------------------------------------- birthdays
    @api.model
    def _schedule_birthdays(self):
        """Remind the responsible staff of the birthdays of the next days.

        A customer with a lunar birthday (农历) is reminded of that one, else of
        the solar birthday, ``loop_birthday_days`` days before (setting of the
        customer's company, else of the staff member's company), on the local
        day of that company. One query for the customers, whatever their number.
        """
        partners = (
            self.env["res.partner"]
            .sudo()  # every customer with a responsible staff, see _schedule
            .search_fetch(
                [
                    ("loop_user_id", "!=", False),
                    "|",
                    ("loop_birthday", "!=", False),
                    "&",
                    ("loop_lunar_month", "!=", False),
                    ("loop_lunar_day", "!=", False),
                ],
                [
                    "loop_birthday",
                    "loop_lunar_month",
                    "loop_lunar_day",
                    "loop_user_id",
                    "company_id",
                ],
            )
        )
        today_of = {}
        items = []
        lunar_months = dict(
            partners._fields["loop_lunar_month"]._description_selection(self.env)
        )
        lunar_days = dict(
            partners._fields["loop_lunar_day"]._description_selection(self.env)
        )
        for partner in partners:
            company = partner.company_id or partner.loop_user_id.company_id
            if company not in today_of:
                today_of[company] = company._loop_today()
            birthday = retention_rules.birthday_due(
                today_of[company],
                company.loop_birthday_days,
                partner.loop_birthday,
                int(partner.loop_lunar_month or 0),
                int(partner.loop_lunar_day or 0),
            )
            if not birthday:
                continue
            if partner.loop_lunar_month and partner.loop_lunar_day:
                summary = self.env._(
                    "Birthday on %(date)s (lunar %(month)s, %(day)s)",
                    date=birthday,
                    month=lunar_months[partner.loop_lunar_month],
                    day=lunar_days[partner.loop_lunar_day],
                )
            else:
                summary = self.env._("Birthday on %(date)s", date=birthday)
            items.append(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "occasion": birthday,
                    "date_deadline": birthday,
                    "user_id": partner.loop_user_id.id,
                    "summary": summary,
                }
            )
        return self._schedule("birthday", items)

    # --------------------------------------------------------------- follow-ups
    @api.model
    def _schedule_follow_ups(self, services):
        """Plan the follow-up call (回访) after services delivered.

        ``services`` is an iterable of ``(partner_id, date, user_id)`` (a date,
        or a UTC datetime as on a care record) or of records with the fields
        ``partner_id``, ``date`` and ``user_id``. The activity goes to the
        customer's responsible staff, else to the staff who delivered the
        service, and is due ``loop_follow_up_days`` days after the service.
        One follow-up per customer and service day; none while another
        follow-up of the customer is still open. Returns the new reminders.
        """
        rows = []
        for service in services:
            if isinstance(service, models.BaseModel):
                rows.append(
                    (service.partner_id.id, service.date, service.user_id.id or False)
                )
            else:
                rows.append(tuple(service))
        partners = self.env["res.partner"].sudo().browse({row[0] for row in rows})
        partners.fetch(["loop_user_id", "company_id"])  # see _schedule
        users = self.env["res.users"].sudo().browse({row[2] for row in rows if row[2]})
        items = []
        for partner_id, date, user_id in rows:
            partner = partners.browse(partner_id)
            user = partner.loop_user_id or users.browse(user_id or [])
            company = partner.company_id or user.company_id or self.env.company
            occasion = company._loop_date(date)
            items.append(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "occasion": occasion,
                    "date_deadline": occasion
                    + timedelta(days=company.loop_follow_up_days),
                    "user_id": user.id,
                    "summary": self.env._(
                        "Follow-up call after the service of %(date)s", date=occasion
                    ),
                }
            )
        return self._schedule("follow_up", items)

    # --------------------------------------------------------------------- cron
    @api.model
    def _cron_care_reminders(self):
        """Daily: the birthday reminders of the coming days."""
        self._schedule_birthdays()
