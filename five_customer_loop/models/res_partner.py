from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL

from ..lib import booking_rules as rules
from .loop_customer import FIGURES, HEALTH, SEGMENTS

SENSITIVE = "five_customer_loop.group_loop_user"
# Bookings still to come.
UPCOMING_STATES = (rules.BOOKED, rules.CONFIRMED)

AGE_BANDS = [
    ("u20", "Under 20"),
    ("20s", "20-29"),
    ("30s", "30-39"),
    ("40s", "40-49"),
    ("50s", "50-59"),
    ("60p", "60 and over"),
]

# Lunar birthday (农历生日): month 1 (正月) to 12 (腊月), day 1 (初一) to 30 (三十).
LUNAR_MONTHS = [
    ("1", "Month 1"),
    ("2", "Month 2"),
    ("3", "Month 3"),
    ("4", "Month 4"),
    ("5", "Month 5"),
    ("6", "Month 6"),
    ("7", "Month 7"),
    ("8", "Month 8"),
    ("9", "Month 9"),
    ("10", "Month 10"),
    ("11", "Month 11"),
    ("12", "Month 12"),
]
LUNAR_DAYS = [(str(day), f"Day {day}") for day in range(1, 31)]

# The partner's figures: loop_<column> for each of these loop.customer columns.
FIGURE_COLUMNS = (*FIGURES, "days_since_visit")

# Figures the statistics phase of the engine writes (loop.customer columns).
STAT_FIELDS = (
    "loop_prospect",
    "loop_first_visit",
    "loop_last_visit",
    "loop_visit_count",
    "loop_visit_count_12m",
    "loop_spend_total",
    "loop_spend_12m",
    "loop_avg_ticket",
    "loop_avg_interval",
    "loop_next_visit",
    "loop_repurchase_rate",
)


def _figure(field_class, column, **kwargs):
    """The partner's ``loop_<column>``: the current company's loop.customer row.

    Not stored (the row is the one home of the figure), searchable as a
    condition on that row; a customer without a row in the company reads
    empty and matches conditions an empty row matches.
    """
    return field_class(
        compute="_compute_loop_figures",
        search=lambda partners, operator, value: partners._loop_search_figure(
            column, operator, value
        ),
        compute_sudo=True,
        readonly=True,
        **kwargs,
    )


def _age_band(birthday, today):
    age = relativedelta(today, birthday).years
    for limit, code in (
        (20, "u20"),
        (30, "20s"),
        (40, "30s"),
        (50, "40s"),
        (60, "50s"),
    ):
        if age < limit:
            return code
    return "60p"


class ResPartner(models.Model):
    _inherit = "res.partner"

    # ---------------------------------------------------------------- basic archive
    loop_birthday = fields.Date(string="Birthday")
    loop_lunar_month = fields.Selection(LUNAR_MONTHS, string="Lunar Birthday Month")
    loop_lunar_day = fields.Selection(LUNAR_DAYS, string="Lunar Birthday Day")
    loop_gender = fields.Selection(
        [("female", "Female"), ("male", "Male"), ("other", "Other")], string="Gender"
    )
    loop_age_band = fields.Selection(
        AGE_BANDS,
        string="Age Band",
        compute="_compute_loop_age_band",
        store=True,
        readonly=False,
        help="Computed from the birthday when it is known; set by hand otherwise.",
    )
    loop_occupation = fields.Char(string="Occupation")
    loop_family = fields.Text(string="Family")
    loop_hobbies = fields.Text(string="Hobbies")
    loop_needs = fields.Text(string="Needs and Pain Points")
    loop_preferences = fields.Text(
        string="Preferences",
        help="E.g. favourite tea, pillow height, music, room temperature.",
    )
    loop_skin_type = fields.Selection(
        [
            ("normal", "Normal"),
            ("dry", "Dry"),
            ("oily", "Oily"),
            ("combination", "Combination"),
            ("sensitive", "Sensitive"),
        ],
        string="Skin Type",
    )
    loop_personality = fields.Text(string="Personality", groups=SENSITIVE)
    loop_allergies = fields.Text(string="Allergies", groups=SENSITIVE)
    loop_contraindications = fields.Text(
        string="Health and Contraindications", groups=SENSITIVE
    )
    loop_channel_id = fields.Many2one(
        "loop.channel", string="Acquisition Channel", index=True
    )
    loop_referred_by_id = fields.Many2one(
        "res.partner", string="Referred By", index="btree_not_null", ondelete="set null"
    )
    loop_referral_ids = fields.One2many(
        "res.partner", "loop_referred_by_id", string="Referred Customers"
    )
    loop_user_id = fields.Many2one(
        "res.users",
        string="Responsible Staff",
        index="btree_not_null",
        help="The staff member who follows this customer (专人负责): "
        "activities go to them.",
    )

    # ------------------------------------------------ figures (loop.customer rows)
    loop_customer_ids = fields.One2many(
        "loop.customer",
        "partner_id",
        string="Loop Figures",
        readonly=True,
        # the rows of archived customers too: their name and state follow
        context={"active_test": False},
    )
    loop_first_visit = _figure(fields.Date, "first_visit", string="First Visit")
    loop_last_visit = _figure(fields.Date, "last_visit", string="Last Visit")
    loop_visit_count = _figure(
        fields.Integer,
        "visit_count",
        string="Visits",
        help="Days with paid orders that their refunds did not take back in full "
        "(one visit a day).",
    )
    loop_visit_count_12m = _figure(
        fields.Integer, "visit_count_12m", string="Visits (12 Months)"
    )
    loop_prospect = _figure(
        fields.Boolean,
        "prospect",
        string="Prospect",
        help="Reached by the store (a referral, a booking or an acquisition "
        "channel) but no paid visit yet.",
    )
    loop_spend_total = _figure(
        fields.Float,
        "spend_total",
        string="Total Spend",
        digits="Account",
        help="Paid orders net of refunds, in company currency.",
    )
    loop_spend_12m = _figure(
        fields.Float,
        "spend_12m",
        string="12-Month Spend",
        digits="Account",
        help="Paid orders of the last 12 months net of refunds, in company currency.",
    )
    loop_avg_ticket = _figure(
        fields.Float,
        "avg_ticket",
        string="Average Ticket",
        digits="Account",
        help="Total spend divided by the number of visits.",
    )
    loop_avg_interval = _figure(
        fields.Float, "avg_interval", string="Average Interval (days)", digits=(16, 1)
    )
    loop_days_since_visit = _figure(
        fields.Integer, "days_since_visit", string="Days Since Last Visit"
    )
    loop_next_visit = _figure(
        fields.Date,
        "next_visit",
        string="Expected Next Visit",
        help="Last visit plus the customer's average interval.",
    )
    loop_repurchase_rate = _figure(
        fields.Float,
        "repurchase_rate",
        string="Repurchase Rate (%)",
        digits=(16, 1),
        help="Share of the distinct products bought that were bought again on "
        "another visit.",
    )
    loop_top_products = fields.Text(
        string="Top Services and Products", compute="_compute_loop_top_products"
    )
    loop_tier_id = _figure(
        fields.Many2one, "tier_id", comodel_name="loop.tier", string="Tier"
    )
    loop_segment = _figure(
        fields.Selection, "segment", selection=SEGMENTS, string="Value Segment"
    )
    loop_stage_id = _figure(
        fields.Many2one, "stage_id", comodel_name="loop.stage", string="Stage"
    )
    loop_stage_date = _figure(fields.Datetime, "stage_date", string="In Stage Since")
    loop_stage_pinned = _figure(
        fields.Boolean,
        "stage_pinned",
        string="Stage Pinned",
        help="A manager fixed the stage by hand: the nightly rules leave it alone.",
    )
    loop_health = _figure(fields.Selection, "health", selection=HEALTH, string="Health")
    loop_recent_upgrade = _figure(
        fields.Boolean,
        "recent_upgrade",
        string="Upgraded in 12 Months",
        help="The customer's tier went up during the last 12 months.",
    )
    loop_referral_paid_count = _figure(
        fields.Integer,
        "referral_paid_count",
        string="Paying Referrals",
        help="Referred customers who paid at least one visit.",
    )
    loop_referral_count = _figure(
        fields.Integer,
        "referral_count",
        string="Customers Brought",
        help="Customers this customer brought who take part in this company's "
        "loop, prospects included.",
    )
    loop_referral_value_12m = _figure(
        fields.Float,
        "referral_value_12m",
        string="Referral Value (12 Months)",
        digits="Account",
        help="12-month spend, net of refunds, of the customers this customer "
        "brought directly.",
    )
    loop_referral_value_total = _figure(
        fields.Float,
        "referral_value_total",
        string="Referral Value (Lifetime)",
        digits="Account",
        help="Total spend, net of refunds, of the customers this customer brought "
        "directly.",
    )
    loop_card_balance = _figure(
        fields.Float, "card_balance", string="Stored Value", digits="Account"
    )
    loop_card_sessions = _figure(
        fields.Integer, "card_sessions", string="Sessions Left"
    )
    loop_card_count = _figure(
        fields.Integer,
        "card_count",
        string="Active Cards",
        help="Cards with value or sessions left.",
    )
    loop_stage_history_ids = fields.One2many(
        "loop.stage.history", "partner_id", string="Stage History", readonly=True
    )
    loop_tier_history_ids = fields.One2many(
        "loop.tier.history", "partner_id", string="Tier History", readonly=True
    )
    loop_kanban_color = fields.Integer(compute="_compute_loop_kanban_color")

    # ------------------------------------------------- care archive and feedback
    loop_care_record_ids = fields.One2many(
        "loop.care.record", "partner_id", string="Care Records", groups=SENSITIVE
    )
    loop_care_count = fields.Integer(
        string="Care Record Count", compute="_compute_loop_care_count", groups=SENSITIVE
    )
    loop_feedback_ids = fields.One2many(
        "loop.feedback", "partner_id", string="Feedback", groups=SENSITIVE
    )
    loop_feedback_count = fields.Integer(
        string="Feedback Count",
        compute="_compute_loop_feedback_count",
        groups=SENSITIVE,
    )
    loop_feedback_open_count = fields.Integer(
        string="Open Feedback", compute="_compute_loop_feedback_count", groups=SENSITIVE
    )

    # ------------------------------------------------------------------ computes
    @api.depends("loop_birthday")
    def _compute_loop_age_band(self):
        today = fields.Date.context_today(self)
        for partner in self:
            if partner.loop_birthday:
                partner.loop_age_band = _age_band(partner.loop_birthday, today)
            elif not partner.loop_age_band:
                partner.loop_age_band = False

    @api.depends_context("company")
    @api.depends(
        "loop_customer_ids.company_id",
        "loop_customer_ids.days_since_visit",
        *(f"loop_customer_ids.{column}" for column in FIGURES),
    )
    def _compute_loop_figures(self):
        """The current company's loop.customer row of each partner, read at once."""
        ids = [pid for pid in self._origin.ids if pid]
        members = self.env["loop.customer"].with_context(active_test=False)
        if ids:
            members = members.search(
                [("partner_id", "in", ids), ("company_id", "=", self.env.company.id)]
            )
        by_partner = {member.partner_id.id: member for member in members}
        empty = members.browse()
        for partner in self:
            member = by_partner.get(partner._origin.id, empty)
            for column in FIGURE_COLUMNS:
                partner[f"loop_{column}"] = member[column]

    def _loop_search_figure(self, column, operator, value):
        """``loop_<column> <operator> <value>`` as a condition on the rows.

        The current company's rows that match; a partner without a row reads
        empty figures, so also those when an empty row would match.
        """
        leaf = [(column, operator, value)]
        # sudo: the condition reads the current company's figures, which the
        # user sees on the partner anyway; loop.customer itself is for loop users
        Customer = self.env["loop.customer"].sudo().with_context(active_test=False)
        company = [("company_id", "=", self.env.company.id)]
        matching = Customer._search(company + leaf)
        domain = [
            (
                "id",
                "in",
                matching.subselect(SQL.identifier(Customer._table, "partner_id")),
            )
        ]
        if Customer.new({}).filtered_domain(leaf):
            rows = Customer._search(company)
            domain = expression.OR(
                [
                    domain,
                    [
                        (
                            "id",
                            "not in",
                            rows.subselect(
                                SQL.identifier(Customer._table, "partner_id")
                            ),
                        )
                    ],
                ]
            )
        return domain

    @api.depends("loop_health")
    def _compute_loop_kanban_color(self):
        colors = {"at_risk": 2, "lost": 1, "good": 10}
        for partner in self:
            partner.loop_kanban_color = colors.get(partner.loop_health, 0)

    def _compute_loop_care_count(self):
        counts = dict(
            self.env["loop.care.record"]._read_group(
                [("partner_id", "in", self.ids), ("state", "!=", "cancelled")],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.loop_care_count = counts.get(partner, 0)

    def _compute_loop_feedback_count(self):
        rows = self.env["loop.feedback"]._read_group(
            [("partner_id", "in", self.ids)], ["partner_id", "state"], ["__count"]
        )
        total, open_ = {}, {}
        for partner, state, count in rows:
            total[partner] = total.get(partner, 0) + count
            if state in ("new", "in_progress"):
                open_[partner] = open_.get(partner, 0) + count
        for partner in self:
            partner.loop_feedback_count = total.get(partner, 0)
            partner.loop_feedback_open_count = open_.get(partner, 0)

    def _compute_loop_top_products(self):
        rows = (
            self.env["loop.engine"]._products_bought(self.env.company, self.ids)
            if self.ids
            else []
        )
        products = self.env["product.product"].browse({row[1] for row in rows})
        names = {product.id: product.display_name for product in products}
        by_partner = {}
        for partner_id, product_id, qty in rows:
            by_partner.setdefault(partner_id, []).append((qty, names[product_id]))
        for partner in self:
            top = sorted(by_partner.get(partner.id, []), reverse=True)[:5]
            partner.loop_top_products = "\n".join(
                f"{name} × {qty:g}" for qty, name in top
            )

    # ---------------------------------------------------------------- constraints
    @api.constrains("loop_birthday")
    def _check_loop_birthday(self):
        today = fields.Date.context_today(self)
        for partner in self:
            if partner.loop_birthday and partner.loop_birthday > today:
                raise ValidationError(
                    self.env._(
                        "The birthday of %(name)s cannot be in the future.",
                        name=partner.name,
                    )
                )

    @api.constrains("loop_lunar_month", "loop_lunar_day")
    def _check_loop_lunar_birthday(self):
        for partner in self:
            if bool(partner.loop_lunar_month) != bool(partner.loop_lunar_day):
                raise ValidationError(
                    self.env._("A lunar birthday needs both a month and a day.")
                )

    # ----------------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        referrers = self.browse(
            {vals.get("loop_referred_by_id") for vals in vals_list} - {False, None}
        )
        self._loop_check_referrers(referrers)
        partners = super().create(vals_list)
        if self.env.context.get("loop_enroll"):
            partners._loop_enroll()
        # referred people and people entered with a channel are prospects of
        # the loop at once (DOMAIN "Prospects": the loop closes)
        reached = partners.filtered(
            lambda p: p.loop_referred_by_id or p.loop_channel_id
        )
        if reached:
            self.env["loop.engine"].refresh_partners(reached)
        return partners

    def write(self, vals):
        if "loop_stage_id" in vals and not self.env.context.get("loop_engine"):
            return self._loop_move_stage(
                self.env["loop.stage"].browse(vals.pop("loop_stage_id")),
                reason=self.env.context.get("loop_stage_reason")
                or self.env._("Moved in the funnel"),
                pin=self.env.context.get("loop_stage_pin", True),
                other_vals=vals,
            )
        if "loop_referred_by_id" in vals:
            referrer = self.browse(vals["loop_referred_by_id"] or [])
            changed = self.filtered(lambda p: p.loop_referred_by_id != referrer)
            if changed:
                changed._loop_check_referral_change(referrer)
                previous = changed.loop_referred_by_id
                res = super().write(vals)
                if referrer:
                    changed._loop_check_cycle(referrer)
                # the old referrers lose a referral, the new one gains it
                self.env["loop.engine"].refresh_partners(changed | previous)
                return res
        if vals.get("loop_channel_id") or (
            "company_id" in vals and any(self.mapped("loop_channel_id"))
        ):
            # entered with a channel (or moved to another company): a prospect
            # of the loop at once, as at creation
            res = super().write(vals)
            self.env["loop.engine"].refresh_partners(self.filtered("loop_channel_id"))
            return res
        return super().write(vals)

    # ------------------------------------------------------------------- actions
    def _loop_enroll(self):
        """Put customers who have no stage yet into the first stage of the loop."""
        first = self.env["loop.stage"].search([("is_lost", "=", False)], limit=1)
        newcomers = self.filtered(lambda p: not p.loop_stage_id and not p.is_company)
        if first and newcomers:
            self.env["loop.engine"]._set_stages(
                self.env.company,
                {p.id: first.id for p in newcomers},
                kind="auto",
                reason=self.env._("Enrolled in the loop"),
            )

    def _loop_move_stage(self, stage, reason, pin=True, other_vals=None):
        if not self.env.user.has_group("five_customer_loop.group_loop_manager"):
            raise AccessError(
                self.env._("Only loop managers can move customers between stages.")
            )
        if not stage:
            raise ValidationError(
                self.env._("Choose the stage to move the customers to.")
            )
        if not (reason or "").strip():
            raise ValidationError(
                self.env._("Give a reason for moving the customers by hand.")
            )
        if other_vals:
            self.write(other_vals)
        self.env["loop.engine"]._set_stages(
            self.env.company,
            {p.id: stage.id for p in self},
            kind="manual",
            reason=reason.strip(),
            pin=pin,
        )
        return True

    def action_loop_unpin_stage(self):
        if not self.env.user.has_group("five_customer_loop.group_loop_manager"):
            raise AccessError(
                self.env._("Only loop managers can release a pinned stage.")
            )
        self.env["loop.engine"]._write_company_values(
            self.env.company, {p.id: {"loop_stage_pinned": False} for p in self}
        )
        self.env["loop.engine"].refresh_partners(self)
        return True

    def action_loop_refresh(self):
        self.env["loop.engine"].refresh_partners(self)
        return True

    def action_loop_enroll(self):
        self._loop_enroll()
        self.env["loop.engine"].refresh_partners(self)
        return True

    def _loop_open_related(self, xmlid, field):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [(field, "=", self.id)]
        action["context"] = {f"default_{field}": self.id}
        return action

    def action_loop_view_stage_history(self):
        return self._loop_open_related(
            "five_customer_loop.loop_stage_history_action", "partner_id"
        )

    def action_loop_view_care_records(self):
        return self._loop_open_related(
            "five_customer_loop.loop_care_record_action", "partner_id"
        )

    def action_loop_view_feedback(self):
        return self._loop_open_related(
            "five_customer_loop.loop_feedback_action", "partner_id"
        )
