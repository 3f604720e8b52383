"""Campaigns whose effect is measured against a holdout group.

A campaign's audience is a domain over the loop's per-company figures
(``loop.customer``). Enrolling draws, for each customer, a reproducible number
in [0, 1) from the campaign's seed (``lib.campaign_stats.holdout_draw``):
below the holdout share she is held out and gets nothing from the campaign;
the others get its actions. Within the measurement window after enrolment
(the days after the enrolment day, up to and including the window's last
day) the results compare the two groups: share who paid a visit (a refunded
visit is none), revenue per customer and bookings made, with the lift's 95 %
interval once both groups hold ``MIN_GROUP`` customers.

Enrolling, acting and measuring cost the same queries whatever the audience:
one ``INSERT … SELECT`` enrols, the activities are created in one batch, one
``UPDATE … FROM`` measures, one aggregate reads the results.
"""

import secrets
from ast import literal_eval
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..lib import campaign_stats as stats
from ..lib.loop_sql import local_date, visit_days

# the kinds whose occasions the loop raises (engine, birthdays, care records)
OCCASION_KINDS = ("win_back", "birthday", "follow_up")

KINDS = [
    ("win_back", "Win-back"),
    ("expiry", "Card Expiry"),
    ("birthday", "Birthday"),
    ("follow_up", "Follow-up"),
    ("other", "Other"),
]


class LoopCampaign(models.Model):
    _name = "loop.campaign"
    _description = "Loop Campaign"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(required=True, tracking=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        string="Store",
        required=True,
        default=lambda self: self.env.company,
        readonly=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    kind = fields.Selection(
        KINDS,
        required=True,
        default="other",
        tracking=True,
        help="A customer is in at most one running campaign of a kind at a time "
        "(until its measurement window ends).",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("done", "Stopped")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        copy=False,
    )
    mode = fields.Selection(
        [
            ("once", "Once"),
            ("continuous", "Continuous"),
            ("event", "On the Loop's Occasions"),
        ],
        default="once",
        required=True,
        tracking=True,
        help="Once: the audience is enrolled when the campaign starts. "
        "Continuous: every night, customers who entered the audience since are "
        "enrolled too (each customer once). On the loop's occasions (win-back, "
        "birthday, follow-up): a customer of the audience is enrolled when her "
        "occasion comes: she becomes at risk, her birthday (solar or lunar) is "
        "the settings' days ahead, a service was delivered to her.",
    )
    audience_domain = fields.Char(
        string="Audience",
        default="[]",
        required=True,
        help="Who the campaign is for, by the loop's own figures of the store: "
        "stage, tier, segment, health, days since the last visit, stored value "
        "and sessions left, next visit, responsible staff...",
    )
    holdout_percent = fields.Float(
        string="Holdout (%)",
        default=20.0,
        required=True,
        tracking=True,
        help="Share of the audience held out: they get nothing from the "
        "campaign, and their behaviour is what the campaign is measured "
        "against.",
    )
    window_days = fields.Integer(
        string="Measurement Window (Days)",
        default=30,
        required=True,
        tracking=True,
        help="Days after enrolment in which a visit, revenue and bookings count.",
    )
    seed = fields.Integer(
        default=lambda self: self._default_seed(),
        required=True,
        copy=False,
        help="Seed of the holdout draw: the same seed draws the same customers.",
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Activity",
        domain="[('res_model', 'in', (False, 'res.partner'))]",
        help="An activity of this type for each treated customer's responsible "
        "staff member (else the campaign's responsible).",
    )
    activity_note = fields.Html(
        string="Call Script",
        translate=True,
        help="What the staff member says or does: the activity's note.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Mail",
        domain="[('model', '=', 'res.partner')]",
        help="Sent to each treated customer through the mail queue.",
    )
    offer_type_id = fields.Many2one(
        "loop.card.type",
        string="Offer",
        domain="[('company_id', 'in', (False, company_id))]",
        help="A card of this type (a free session, some stored value) given to "
        "each treated customer, valid for the offer's days.",
    )
    offer_validity_days = fields.Integer(
        string="Offer Valid (Days)",
        default=30,
        help="Days after enrolment the offer can be used.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
        help="Gets the activities of customers without a responsible staff member.",
    )
    member_ids = fields.One2many("loop.campaign.member", "campaign_id")
    member_count = fields.Integer(compute="_compute_results")
    treated_count = fields.Integer(string="Treated", compute="_compute_results")
    holdout_count = fields.Integer(string="Held Out", compute="_compute_results")
    treated_visit_rate = fields.Float(
        string="Visit Rate, Treated (%)", compute="_compute_results", digits=(16, 1)
    )
    holdout_visit_rate = fields.Float(
        string="Visit Rate, Held Out (%)", compute="_compute_results", digits=(16, 1)
    )
    visit_lift = fields.Float(
        string="Visit Lift (Points)",
        compute="_compute_results",
        digits=(16, 1),
        help="Treated visit rate minus held-out visit rate, in percentage points.",
    )
    visit_lift_low = fields.Float(
        string="Visit Lift, Lower Bound", compute="_compute_results", digits=(16, 1)
    )
    visit_lift_high = fields.Float(
        string="Visit Lift, Upper Bound", compute="_compute_results", digits=(16, 1)
    )
    treated_revenue = fields.Monetary(
        string="Revenue per Customer, Treated", compute="_compute_results"
    )
    holdout_revenue = fields.Monetary(
        string="Revenue per Customer, Held Out", compute="_compute_results"
    )
    revenue_lift = fields.Monetary(
        string="Revenue Lift per Customer", compute="_compute_results"
    )
    revenue_lift_low = fields.Monetary(
        string="Revenue Lift, Lower Bound", compute="_compute_results"
    )
    revenue_lift_high = fields.Monetary(
        string="Revenue Lift, Upper Bound", compute="_compute_results"
    )
    treated_bookings = fields.Float(
        string="Bookings per Customer, Treated",
        compute="_compute_results",
        digits=(16, 2),
    )
    holdout_bookings = fields.Float(
        string="Bookings per Customer, Held Out",
        compute="_compute_results",
        digits=(16, 2),
    )
    treated_redeemed_rate = fields.Float(
        string="Offers Redeemed (%)",
        compute="_compute_results",
        digits=(16, 1),
        help="Treated customers who used their offer in the window.",
    )
    lift_shown = fields.Boolean(
        compute="_compute_results",
        help="Both groups hold enough customers for a lift to mean something.",
    )
    results_date = fields.Datetime(
        string="Measured On", readonly=True, copy=False, help="When results were read."
    )

    @api.constrains("holdout_percent", "window_days", "offer_validity_days")
    def _check_holdout_and_window(self):
        for campaign in self:
            if not 0 < campaign.holdout_percent < 100:
                raise ValidationError(
                    self.env._(
                        "The holdout share is more than 0 % and less than 100 %: "
                        "without a holdout a campaign shows no lift."
                    )
                )
            if campaign.offer_type_id and campaign.offer_validity_days < 1:
                raise ValidationError(
                    self.env._("An offer is valid for at least one day.")
                )
            if campaign.window_days < 1:
                raise ValidationError(
                    self.env._("The measurement window is at least one day.")
                )

    @api.constrains("mode", "kind")
    def _check_mode(self):
        for campaign in self:
            if campaign.mode == "event" and campaign.kind not in OCCASION_KINDS:
                raise ValidationError(
                    self.env._(
                        "%(campaign)s: only win-back, birthday and follow-up "
                        "campaigns run on the loop's occasions.",
                        campaign=campaign.name,
                    )
                )

    @api.model
    def _default_seed(self):
        # a fresh seed per campaign; stored, so the draw can be made again
        return secrets.randbelow(2**31)

    @api.constrains("mail_template_id")
    def _check_mail_template(self):
        for campaign in self:
            template = campaign.mail_template_id
            if template and not (
                template.use_default_to or template.partner_to or template.email_to
            ):
                raise ValidationError(
                    self.env._(
                        "Mail %(template)s has no recipient: set its default "
                        "recipients (the customer) or its To (Partners).",
                        template=template.name,
                    )
                )

    @api.constrains("audience_domain")
    def _check_audience_domain(self):
        for campaign in self:
            try:
                campaign._audience_query()
            except (ValueError, SyntaxError, KeyError) as error:
                raise ValidationError(
                    self.env._(
                        "The audience of %(campaign)s is not a valid filter of "
                        "the loop's customers: %(error)s",
                        campaign=campaign.name,
                        error=error,
                    )
                ) from error

    # ---------------------------------------------------------------- audience
    def _audience(self):
        """The audience's domain over ``loop.customer``, in the campaign's store."""
        self.ensure_one()
        return [
            *_literal_domain(self.audience_domain),
            ("company_id", "=", self.company_id.id),
        ]

    def _audience_query(self):
        """SQL of the ids of ``loop.customer`` rows in the audience, today."""
        Customer = self.env["loop.customer"].with_company(self.company_id)
        return Customer._search(self._audience()).select(
            SQL.identifier("loop_customer", "id")
        )

    def action_view_audience(self):
        """The customers in the audience today."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Audience of %s", self.name),
            "res_model": "loop.customer",
            "view_mode": "list,form",
            "domain": self._audience(),
        }

    # --------------------------------------------------------------- lifecycle
    def action_start(self):
        """Start the campaign: enrol the audience now and act on the treated
        (a campaign on the loop's occasions enrols as they come)."""
        for campaign in self:
            if campaign.state != "draft":
                raise UserError(self.env._("%s has already started.", campaign.name))
            campaign.state = "running"
            if campaign.mode != "event":
                campaign._enrol()
        return True

    def action_stop(self):
        self.filtered(lambda c: c.state == "running").state = "done"
        return True

    def action_enrol(self):
        """Enrol whoever entered the audience since (continuous campaigns)."""
        for campaign in self:
            if campaign.state != "running":
                raise UserError(self.env._("Start %s first.", campaign.name))
            if campaign.mode == "event":
                raise UserError(
                    self.env._(
                        "%s enrols customers as their occasions come.", campaign.name
                    )
                )
            campaign._enrol()
        return True

    @api.model
    def _cron_enrol(self):
        """Every night: continuous campaigns enrol their newcomers, and every
        running campaign measures its members' outcome so far."""
        for campaign in self.search([("state", "=", "running")]):
            campaign = campaign.with_company(campaign.company_id)
            if campaign.mode == "continuous":
                campaign._enrol()
            campaign._measure()

    def _enrol(self):
        """Enrol the audience not yet enrolled, draw the holdout, act.

        A customer still in the window of another running campaign of the same
        kind is left out. Returns the new members.
        """
        self.ensure_one()
        today = self.company_id._loop_today()
        members = self._insert_members(
            SQL(
                "SELECT c.partner_id, %s::date AS occasion FROM loop_customer c"
                " WHERE c.id IN (%s)",
                today,
                self._audience_query(),
            ),
            today,
            occasions=False,
        )
        members._act()
        return members

    @api.model
    def _enrol_occasions(self, kind, company, items, today=None):
        """The loop's occasions of ``kind`` in ``company``: its running
        campaigns on occasions enrol the customers of their audience, draw the
        holdout and act on the treated. This is how the loop raises win-back
        calls, birthday wishes and follow-ups: with no such campaign running,
        nothing is raised.

        ``items`` are dicts with ``partner_id``, ``occasion`` (a date: the
        birthday, the service day, the day she became at risk) and optionally
        ``summary``, ``date_deadline`` (of the activity) and ``user_id`` (who
        gets the activity when the customer has no responsible staff, before
        the campaign's responsible). A customer is enrolled once per occasion,
        and not while she is in the window of a membership of that kind.
        Returns the new members.
        """
        Member = self.env["loop.campaign.member"]
        items = [item for item in items if item.get("partner_id")]
        if not items:
            return Member
        # sudo: the loop's own occasions, raised by whoever triggers them (a
        # beautician closing a care record, the nightly engine)
        campaigns = (
            self.sudo()
            .with_company(company)
            .search(
                [
                    ("state", "=", "running"),
                    ("mode", "=", "event"),
                    ("kind", "=", kind),
                    ("company_id", "=", company.id),
                ],
                order="id",
            )
        )
        if not campaigns:
            return Member
        today = today or company._loop_today()
        source = SQL(
            """SELECT o.partner_id, o.occasion
                 FROM unnest(%s::int[], %s::date[]) AS o(partner_id, occasion)""",
            [item["partner_id"] for item in items],
            [fields.Date.to_date(item["occasion"]) for item in items],
        )
        details = {item["partner_id"]: item for item in items}
        members = Member.sudo()
        for campaign in campaigns:
            # each campaign in turn: a customer enrolled by one is in the
            # window of a campaign of the kind for the next ones
            if _literal_domain(campaign.audience_domain):
                audience = SQL(
                    "SELECT s.* FROM (%s) s WHERE s.partner_id IN ("
                    "SELECT c.partner_id FROM loop_customer c WHERE c.id IN (%s))",
                    source,
                    campaign._audience_query(),
                )
            else:
                # an audience that asks nothing takes everyone, also a
                # newcomer the loop has no figures of yet (a first service
                # recorded before its payment)
                audience = source
            new = campaign._insert_members(audience, today, occasions=True)
            new._act(details)
            members |= new
        return members

    def _insert_members(self, source, today, occasions):
        """Enrol the rows of ``source`` (SQL of ``partner_id, occasion``) in one
        ``INSERT … SELECT``, drawing each one's group. Left out: a customer in
        the window of a membership in another running campaign of the kind,
        and, in this campaign, a customer already enrolled (``occasions``
        false: each customer once) or, on occasions, already enrolled for that
        occasion or still in the window of her last one. Returns the members.
        """
        self.ensure_one()
        Member = self.env["loop.campaign.member"]
        self.env["loop.customer"].flush_model()
        Member.flush_model()
        self.flush_recordset()
        self.env["res.partner"].flush_model(["loop_user_id"])
        rows = self.env.execute_query(
            SQL(
                """
            INSERT INTO loop_campaign_member
                   (campaign_id, partner_id, company_id, kind, user_id, holdout,
                    enrol_date, occasion,
                    create_uid, create_date, write_uid, write_date)
            SELECT DISTINCT ON (s.partner_id)
                   %(campaign)s, s.partner_id, %(company)s, %(kind)s,
                   p.loop_user_id,
                   ('x' || substr(md5(%(seed)s || ':' || s.partner_id), 1, 8))
                       ::bit(32)::bigint / 4294967296.0 < %(share)s,
                   %(today)s, s.occasion, %(uid)s, now() AT TIME ZONE 'UTC',
                   %(uid)s, now() AT TIME ZONE 'UTC'
              FROM (%(source)s) s
              JOIN res_partner p ON p.id = s.partner_id
             WHERE NOT EXISTS (
                   SELECT 1 FROM loop_campaign_member m
                    WHERE m.campaign_id = %(campaign)s
                      AND m.partner_id = s.partner_id AND %(same)s)
               AND NOT EXISTS (
                   SELECT 1 FROM loop_campaign_member m
                     JOIN loop_campaign k ON k.id = m.campaign_id
                    WHERE m.partner_id = s.partner_id AND %(other)s
                      AND k.kind = %(kind)s AND k.state = 'running'
                      AND k.company_id = %(company)s
                      AND m.enrol_date <= %(today)s
                      AND m.enrol_date + k.window_days >= %(today)s)
             ORDER BY s.partner_id, s.occasion
            RETURNING id""",
                campaign=self.id,
                seed=str(self.seed),
                share=self.holdout_percent / 100,
                today=today,
                uid=self.env.uid,
                source=source,
                kind=self.kind,
                company=self.company_id.id,
                same=SQL("m.occasion = s.occasion") if occasions else SQL("TRUE"),
                other=SQL("TRUE") if occasions else SQL("k.id <> %s", self.id),
            )
        )
        self.invalidate_recordset(["member_ids"])
        return Member.browse([row[0] for row in rows])

    # ----------------------------------------------------------------- results
    def action_measure(self):
        """Read each member's visits, revenue and bookings in her window."""
        for campaign in self:
            campaign._measure()
        return True

    def _measure(self):
        """One statement: every member's outcome in her window, up to today."""
        self.ensure_one()
        self.env["calendar.event"].flush_model()
        self.env["loop.card.move"].flush_model()
        self.env["loop.campaign.member"].flush_model()
        company = self.company_id
        partner_ids = self.member_ids.partner_id.ids
        if not partner_ids:
            return
        engine = self.env["loop.engine"]
        orders = engine._paid_orders(company, partner_ids)
        today = company._loop_today()
        self.env.cr.execute(
            SQL(
                """
            WITH days AS MATERIALIZED (%(days)s),
            booked AS (
                SELECT e.loop_partner_id AS partner_id,
                       %(booked_day)s AS day
                  FROM calendar_event e
                 WHERE e.is_loop_booking AND e.loop_company_id = %(company)s
                   AND e.loop_partner_id = ANY(%(ids)s)
            ),
            outcome AS (
                SELECT m.id,
                       COALESCE(bool_or(d.visit), FALSE) AS visited,
                       COALESCE(SUM(d.amount), 0) AS revenue,
                       (SELECT COUNT(*) FROM booked b
                         WHERE b.partner_id = m.partner_id
                           AND b.day > m.enrol_date
                           AND b.day <= LEAST(m.enrol_date + %(window)s, %(today)s)
                       ) AS bookings
                  FROM loop_campaign_member m
                  LEFT JOIN days d
                         ON d.partner_id = m.partner_id
                        AND d.day > m.enrol_date
                        AND d.day <= LEAST(m.enrol_date + %(window)s, %(today)s)
                 WHERE m.campaign_id = %(campaign)s
                 GROUP BY m.id
            )
            UPDATE loop_campaign_member m
               SET visited = o.visited, revenue = o.revenue,
                   booking_count = o.bookings,
                   redeemed = m.offer_card_id IS NOT NULL AND EXISTS (
                       SELECT 1 FROM loop_card_move v
                        WHERE v.card_id = m.offer_card_id AND v.kind = 'consume'
                          AND v.date > m.enrol_date
                          AND v.date <= LEAST(m.enrol_date + %(window)s, %(today)s)
                          AND v.reversed_move_id IS NULL
                          AND NOT EXISTS (SELECT 1 FROM loop_card_move r
                                           WHERE r.reversed_move_id = v.id)),
                   window_closed = m.enrol_date + %(window)s <= %(today)s
              FROM outcome o WHERE o.id = m.id""",
                days=visit_days(orders),
                booked_day=local_date(SQL("e.loop_booked_on"), company._loop_tz()),
                company=company.id,
                ids=partner_ids,
                window=self.window_days,
                today=today,
                campaign=self.id,
            )
        )
        self.env["loop.campaign.member"].invalidate_model(
            ["visited", "revenue", "booking_count", "window_closed", "redeemed"]
        )
        self.results_date = fields.Datetime.now()

    def _group_figures(self):
        """``{campaign_id: {holdout: (n, visits, revenue, revenue², bookings,
        offers redeemed)}}``."""
        if not self.ids:
            return {}
        self.env["loop.campaign.member"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """SELECT campaign_id, holdout, COUNT(*),
                          COUNT(*) FILTER (WHERE visited),
                          COALESCE(SUM(revenue), 0),
                          COALESCE(SUM(revenue * revenue), 0),
                          COALESCE(SUM(booking_count), 0),
                          COUNT(*) FILTER (WHERE redeemed)
                     FROM loop_campaign_member
                    WHERE campaign_id = ANY(%s) AND carried_over IS NOT TRUE
                    GROUP BY campaign_id, holdout""",
                self.ids,
            )
        )
        figures = {}
        for campaign_id, holdout, *values in rows:
            figures.setdefault(campaign_id, {})[holdout] = tuple(
                float(value) for value in values
            )
        return figures

    def _compute_results(self):
        figures = self._group_figures()
        empty = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        for campaign in self:
            groups = figures.get(campaign.id, {})
            treated, held = groups.get(False, empty), groups.get(True, empty)
            n1, n0 = int(treated[0]), int(held[0])
            values = {
                "member_count": n1 + n0,
                "treated_count": n1,
                "holdout_count": n0,
                "treated_visit_rate": 100 * treated[1] / n1 if n1 else 0.0,
                "holdout_visit_rate": 100 * held[1] / n0 if n0 else 0.0,
                "treated_revenue": treated[2] / n1 if n1 else 0.0,
                "holdout_revenue": held[2] / n0 if n0 else 0.0,
                "treated_bookings": treated[4] / n1 if n1 else 0.0,
                "holdout_bookings": held[4] / n0 if n0 else 0.0,
                "treated_redeemed_rate": 100 * treated[5] / n1 if n1 else 0.0,
                "lift_shown": min(n1, n0) >= stats.MIN_GROUP,
                "visit_lift": 0.0,
                "visit_lift_low": 0.0,
                "visit_lift_high": 0.0,
                "revenue_lift": 0.0,
                "revenue_lift_low": 0.0,
                "revenue_lift_high": 0.0,
            }
            if values["lift_shown"]:
                lift, low, high = stats.proportion_lift(treated[1], n1, held[1], n0)
                values.update(
                    visit_lift=100 * lift,
                    visit_lift_low=100 * low,
                    visit_lift_high=100 * high,
                )
                lift, low, high = stats.mean_lift(
                    (n1, treated[2], treated[3]), (n0, held[2], held[3])
                )
                values.update(
                    revenue_lift=lift, revenue_lift_low=low, revenue_lift_high=high
                )
            campaign.update(values)

    def action_view_members(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.loop_campaign_member_action"
        )
        action["domain"] = [("campaign_id", "=", self.id)]
        action["context"] = {"search_default_group_holdout": 1}
        return action


def _literal_domain(text):
    """The domain written in ``text`` (a Python literal)."""
    domain = literal_eval(text or "[]")
    if not isinstance(domain, list):
        raise ValueError(text)
    return domain


class LoopCampaignMember(models.Model):
    """A customer enrolled in a campaign, treated or held out, and her outcome."""

    _name = "loop.campaign.member"
    _description = "Campaign Member"
    _order = "enrol_date desc, id desc"
    _rec_name = "partner_id"

    campaign_id = fields.Many2one(
        "loop.campaign", required=True, ondelete="cascade", index=True, readonly=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, readonly=True
    )
    company_id = fields.Many2one(
        "res.company", string="Store", required=True, index=True, readonly=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    kind = fields.Selection(related="campaign_id.kind", store=True)
    user_id = fields.Many2one(
        related="partner_id.loop_user_id",
        string="Responsible Staff",
        store=True,
        index="btree_not_null",
    )
    holdout = fields.Boolean(
        string="Held Out",
        readonly=True,
        help="Drawn into the holdout group: the campaign did nothing for her.",
    )
    group = fields.Selection(
        [("treated", "Treated"), ("holdout", "Held Out")],
        compute="_compute_group",
        search="_search_group",
    )
    enrol_date = fields.Date(string="Enrolled On", required=True, readonly=True)
    occasion = fields.Date(
        required=True,
        readonly=True,
        help="What she was enrolled for: the birthday, the service day, the day "
        "she became at risk; the enrolment day for a campaign on its audience.",
    )
    window_end = fields.Date(
        string="Window Ends",
        compute="_compute_window_end",
        help="Last day that counts.",
    )
    window_closed = fields.Boolean(
        readonly=True, help="The measurement window is over: her outcome is final."
    )
    visited = fields.Boolean(
        string="Paid a Visit",
        readonly=True,
        help="Paid a visit (not refunded) in the window.",
    )
    revenue = fields.Monetary(
        readonly=True, help="What she paid in the window, net of refunds."
    )
    booking_count = fields.Integer(
        string="Bookings Made", readonly=True, help="Bookings she made in the window."
    )
    activity_id = fields.Many2one(
        "mail.activity", readonly=True, ondelete="set null", index="btree_not_null"
    )
    activity_user_id = fields.Many2one(
        "res.users", string="Activity For", readonly=True, index="btree_not_null"
    )
    activity_deadline = fields.Date(readonly=True)
    activity_done_date = fields.Date(
        string="Activity Done On", readonly=True, help="The store's day it was done."
    )
    activity_on_time = fields.Boolean(
        string="Done on Time",
        compute="_compute_activity_on_time",
        store=True,
        help="The campaign's activity was done by its deadline.",
    )
    offer_card_id = fields.Many2one("loop.card", readonly=True, index="btree_not_null")
    carried_over = fields.Boolean(
        readonly=True,
        help="Reminded by the loop before its reminders became this campaign's "
        "(the upgrade to 18.0.1.3.0): kept so that the occasion is not reminded "
        "twice, left out of the results (nobody was held out then).",
    )
    redeemed = fields.Boolean(
        string="Offer Redeemed",
        readonly=True,
        help="Used the campaign's offer in the window.",
    )

    _sql_constraints = [
        (
            "campaign_partner_occasion_unique",
            "UNIQUE (campaign_id, partner_id, occasion)",
            "A customer is enrolled in a campaign once per occasion.",
        )
    ]

    @api.model_create_multi
    def create(self, vals_list):
        # enrolling writes its rows in SQL; a row made otherwise (a test, an
        # import) is enrolled for the day of its enrolment
        for vals in vals_list:
            vals.setdefault("occasion", vals.get("enrol_date"))
        return super().create(vals_list)

    @api.depends("activity_done_date", "activity_deadline")
    def _compute_activity_on_time(self):
        for member in self:
            member.activity_on_time = bool(
                member.activity_done_date
                and member.activity_done_date <= member.activity_deadline
            )

    def _compute_group(self):
        for member in self:
            member.group = "holdout" if member.holdout else "treated"

    def _search_group(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(self.env._("Search the group with = or != only."))
        holdout = (value == "holdout") == (operator == "=")
        return [("holdout", "=", holdout)]

    @api.depends("enrol_date", "campaign_id.window_days")
    def _compute_window_end(self):
        for member in self:
            member.window_end = member.enrol_date and member.enrol_date + timedelta(
                days=member.campaign_id.window_days
            )

    def _act(self, details=None):
        """The campaign's actions for the treated members (one batch each).
        ``details`` (``{partner_id: item}``, see ``loop.campaign.
        _enrol_occasions``) word each occasion's activity."""
        treated = self.filtered(lambda member: not member.holdout)
        for campaign in treated.campaign_id:
            members = treated.filtered(lambda m, c=campaign: m.campaign_id == c)
            if campaign.mail_template_id:
                members._send_mail(campaign.mail_template_id)
            if campaign.offer_type_id:
                members._give_offer(campaign)
            if campaign.activity_type_id:
                members._schedule_activities(campaign, details or {})

    def _schedule_activities(self, campaign, details):
        """The campaign's activity for each member's staff member (else the
        occasion's staff, else the campaign's responsible), linked to the
        member with its deadline."""
        activities = self.env["mail.activity"]._loop_schedule(
            campaign.activity_type_id,
            [
                {
                    "res_id": member.partner_id.id,
                    "user_id": member.partner_id.loop_user_id.id
                    or item.get("user_id")
                    or campaign.user_id.id,
                    "summary": item.get("summary") or campaign.name,
                    "date_deadline": item.get("date_deadline"),
                    "note": campaign.activity_note,
                }
                for member in self
                for item in [details.get(member.partner_id.id, {})]
            ],
            once=False,
        )
        self._write_links(
            [
                (member.id, activity.id)
                for member in self
                if (activity := activities.get(member.partner_id.id))
            ],
            SQL(
                """activity_id = a.id, activity_user_id = a.user_id,
                   activity_deadline = a.date_deadline"""
            ),
            SQL("JOIN mail_activity a ON a.id = v.target"),
        )

    def _send_mail(self, template):
        """The template to each member, in one mass mailing through the queue."""
        # sudo: the campaign's manager sends the store's own template to its
        # customers; mass mailing needs rights on mail.mail the user may lack
        composer = (
            self.env["mail.compose.message"]
            .sudo()
            .with_context(mail_create_nosubscribe=True)
            .create(
                {
                    "composition_mode": "mass_mail",
                    "model": "res.partner",
                    "res_ids": str(self.partner_id.ids),
                    "template_id": template.id,
                    "force_send": False,
                }
            )
        )
        composer._action_send_mail()

    def _give_offer(self, campaign):
        """A card of the offer's type for each member, in one ``create``."""
        # sudo: the campaign's manager gives the store's own offer
        cards = (
            self.env["loop.card"]
            .sudo()
            .issue_cards(
                [
                    {
                        "partner_id": member.partner_id.id,
                        "type_id": campaign.offer_type_id.id,
                        "company_id": member.company_id.id,
                        "issue_date": member.enrol_date,
                        "expiry_date": member.enrol_date
                        + timedelta(days=campaign.offer_validity_days),
                    }
                    for member in self
                ],
                {"origin": campaign.name},
                paid=0.0,
            )
        )
        self._write_links(
            [(m.id, c.id) for m, c in zip(self, cards, strict=True)],
            SQL("offer_card_id = v.target"),
        )
        return cards

    def _write_links(self, pairs, assignments, join=None):
        """Write ``assignments`` on each member of ``pairs`` (``(member id,
        target id)``, the target as ``v.target``) in one statement. Members are
        the campaign's own rows, which no user edits: the campaign writes them
        directly, whatever the size of the audience."""
        if not pairs:
            return
        ids, targets = zip(*pairs, strict=True)
        self.env["loop.campaign.member"].flush_model()
        self.env.cr.execute(
            SQL(
                """UPDATE loop_campaign_member m SET %(assignments)s
                     FROM (SELECT unnest(%(ids)s) AS id,
                                  unnest(%(targets)s) AS target) v
                          %(join)s
                    WHERE m.id = v.id""",
                assignments=assignments,
                ids=list(ids),
                targets=list(targets),
                join=join or SQL(),
            )
        )
        self.invalidate_recordset()
