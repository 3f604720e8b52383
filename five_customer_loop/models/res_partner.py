from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

from ..lib import booking_rules as rules
from ..lib.loop_sql import PAID_STATES
from ..lib.loop_sql import company_value as _cd

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

SEGMENTS = [
    ("new", "New Customer"),
    ("big", "Big Customer"),
    ("potential", "Potential"),
    ("loyal", "Loyal"),
    ("occasional", "Occasional"),
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

HEALTH = [
    ("none", "No Visit Yet"),
    ("good", "Healthy"),
    ("at_risk", "At Risk"),
    ("lost", "Lost"),
]

# The loop status the till shows (static/src/pos/pos_store.js reads them again).
POS_LOOP_FIELDS = (
    "loop_tier_name",
    "loop_stage_name",
    "loop_health",
    "loop_card_balance",
    "loop_card_sessions",
)

# Figures the batch engine writes for each company (company-dependent columns).
STAT_FIELDS = (
    "loop_first_visit",
    "loop_last_visit",
    "loop_visit_count",
    "loop_visit_count_12m",
    "loop_spend_total",
    "loop_spend_12m",
    "loop_avg_ticket",
    "loop_avg_interval",
    "loop_days_since_visit",
    "loop_next_visit",
    "loop_repurchase_rate",
)

# Share of each res_partner page filled by inserts (see ResPartner.init).
PARTNER_FILLFACTOR = 50

# Company-dependent many2one of the loop read without the ORM's existence
# sub-select (see ResPartner._field_to_sql).
LOOP_MANY2ONE = ("loop_stage_id", "loop_tier_id")


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
    loop_store_id = fields.Many2one(
        "pos.config", string="Home Store", index="btree_not_null", ondelete="set null"
    )

    # ------------------------------------------------------- consumption archive
    # The figures below are rewritten for every customer by the nightly batch
    # (the days since the last visit change every day). They carry no index
    # (``index=False``; company-dependent fields get one by default): an
    # indexed column that changes forbids PostgreSQL's in-place (HOT) update,
    # so each nightly write would also insert into every index of res_partner.
    loop_first_visit = fields.Date(
        string="First Visit", company_dependent=True, index=False, readonly=True
    )
    loop_last_visit = fields.Date(
        string="Last Visit", company_dependent=True, index=False, readonly=True
    )
    loop_visit_count = fields.Integer(
        string="Visits",
        company_dependent=True,
        index=False,
        readonly=True,
        help="Distinct days with a paid order.",
    )
    loop_visit_count_12m = fields.Integer(
        string="Visits (12 Months)", company_dependent=True, index=False, readonly=True
    )
    loop_spend_total = fields.Float(
        string="Total Spend",
        company_dependent=True,
        index=False,
        readonly=True,
        digits="Account",
        help="Paid orders net of refunds, in company currency.",
    )
    loop_spend_12m = fields.Float(
        string="12-Month Spend",
        company_dependent=True,
        index=False,
        readonly=True,
        digits="Account",
        help="Paid orders of the last 12 months net of refunds, in company currency.",
    )
    loop_avg_ticket = fields.Float(
        string="Average Ticket",
        company_dependent=True,
        index=False,
        readonly=True,
        digits="Account",
        help="Total spend divided by the number of visits.",
    )
    loop_avg_interval = fields.Float(
        string="Average Interval (days)",
        company_dependent=True,
        index=False,
        readonly=True,
        digits=(16, 1),
    )
    loop_days_since_visit = fields.Integer(
        string="Days Since Last Visit",
        company_dependent=True,
        index=False,
        readonly=True,
    )
    loop_next_visit = fields.Date(
        string="Expected Next Visit",
        company_dependent=True,
        index=False,
        readonly=True,
        help="Last visit plus the customer's average interval.",
    )
    loop_repurchase_rate = fields.Float(
        string="Repurchase Rate (%)",
        company_dependent=True,
        index=False,
        readonly=True,
        digits=(16, 1),
        help="Share of the distinct products bought that were bought again on "
        "another visit.",
    )
    loop_top_products = fields.Text(
        string="Top Services and Products", compute="_compute_loop_top_products"
    )

    # ------------------------------------------------------------------- the loop
    loop_tier_id = fields.Many2one(
        "loop.tier",
        string="Tier",
        company_dependent=True,
        readonly=True,
        ondelete="set null",
    )
    loop_segment = fields.Selection(
        SEGMENTS,
        string="Value Segment",
        company_dependent=True,
        index=False,
        readonly=True,
    )
    loop_stage_id = fields.Many2one(
        "loop.stage",
        string="Stage",
        company_dependent=True,
        group_expand="_read_group_loop_stage_ids",
        ondelete="set null",
    )
    loop_stage_date = fields.Datetime(
        string="In Stage Since", company_dependent=True, index=False, readonly=True
    )
    loop_stage_pinned = fields.Boolean(
        string="Stage Pinned",
        company_dependent=True,
        readonly=True,
        help="A manager fixed the stage by hand: the nightly rules leave it alone.",
    )
    loop_health = fields.Selection(
        HEALTH, string="Health", company_dependent=True, index=False, readonly=True
    )
    loop_recent_upgrade = fields.Boolean(
        string="Upgraded in 12 Months",
        company_dependent=True,
        index=False,
        readonly=True,
        help="The customer's tier went up during the last 12 months.",
    )
    loop_referral_paid_count = fields.Integer(
        string="Paying Referrals",
        company_dependent=True,
        index=False,
        readonly=True,
        help="Referred customers who paid at least one visit.",
    )
    loop_card_balance = fields.Float(
        string="Stored Value",
        company_dependent=True,
        index=False,
        readonly=True,
        digits="Account",
    )
    loop_card_sessions = fields.Integer(
        string="Sessions Left", company_dependent=True, index=False, readonly=True
    )
    loop_card_count = fields.Integer(
        string="Active Cards",
        company_dependent=True,
        index=False,
        readonly=True,
        help="Cards with value or sessions left.",
    )
    loop_tier_name = fields.Char(string="Tier Name", compute="_compute_loop_pos_names")
    loop_stage_name = fields.Char(
        string="Stage Name", compute="_compute_loop_pos_names"
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

    @api.depends("loop_health")
    def _compute_loop_kanban_color(self):
        colors = {"at_risk": 2, "lost": 1, "good": 10}
        for partner in self:
            partner.loop_kanban_color = colors.get(partner.loop_health, 0)

    @api.depends_context("company")
    @api.depends("loop_tier_id", "loop_stage_id")
    def _compute_loop_pos_names(self):
        # names for the POS, which loads neither tiers nor stages
        for partner in self:
            partner.loop_tier_name = partner.loop_tier_id.name or False
            partner.loop_stage_name = partner.loop_stage_id.name or False

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
            self.env.execute_query(
                SQL(
                    """SELECT o.partner_id, l.product_id, SUM(l.qty) AS qty
                     FROM pos_order_line l JOIN pos_order o ON o.id = l.order_id
                    WHERE o.partner_id = ANY(%s) AND o.company_id = %s
                      AND o.state IN ('paid', 'done', 'invoiced') AND l.qty > 0
                    GROUP BY o.partner_id, l.product_id""",
                    self.ids,
                    self.env.company.id,
                )
            )
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

    @api.model
    def _read_group_loop_stage_ids(self, stages, domain):
        return stages.search([])

    # ------------------------------------------------------------------ database
    def init(self):
        res = super().init()
        # Databases made by an earlier version hold the default index of the
        # figures the nightly batch rewrites: drop them (see the fields above).
        for name, field in self._fields.items():
            if name.startswith("loop_") and field.company_dependent and not field.index:
                self.env.cr.execute(
                    SQL(
                        "DROP INDEX IF EXISTS %s",
                        SQL.identifier(f"res_partner__{name}_index"),
                    )
                )
        self._loop_stage_indexes(self.env["res.company"].search([]))
        # The nightly batch rewrites every customer's row. With room left in each
        # page, PostgreSQL writes the new version next to the old one without
        # touching the indexes (HOT update): about ten times cheaper. Only set
        # when nobody chose a fill factor for res_partner already; it applies to
        # the pages written from now on.
        self.env.cr.execute(
            "SELECT reloptions FROM pg_class WHERE oid = 'res_partner'::regclass"
        )
        options = self.env.cr.fetchone()[0] or []
        if not any(option.startswith("fillfactor=") for option in options):
            self.env.cr.execute(
                SQL(
                    "ALTER TABLE res_partner SET (fillfactor = %s)",
                    SQL(str(PARTNER_FILLFACTOR)),
                )
            )
        return res

    @api.model
    def _loop_stage_indexes(self, companies):
        """Index each company's funnel column: its customers of a stage, by name.

        The funnel opens every stage on its first page of customers in the
        partner order (name, id): this index hands them over directly and
        counts a small stage without reading every customer. The indexed
        expression is the one ``_field_to_sql`` gives the ORM's queries.
        """
        for company in companies:
            self.env.cr.execute(
                SQL(
                    """CREATE INDEX IF NOT EXISTS %(name)s ON res_partner
                           (((loop_stage_id->%(cid)s->>0)::int4),
                            complete_name, id DESC)""",
                    name=SQL.identifier(
                        f"res_partner_loop_stage_company_{company.id}_index"
                    ),
                    cid=str(company.id),
                )
            )

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        """The loop's stage and tier, read straight from their column.

        For a company-dependent many2one the ORM wraps the value in a
        sub-select on the target table (``(SELECT id FROM loop_stage WHERE id =
        ...)``) that PostgreSQL runs for every row: grouping the funnel by stage
        over 100,000 customers took seconds. Deleting a stage or a tier already
        clears the references to it (the ORM's ``ondelete`` handling of
        company-dependent many2one), so the plain value is the same.
        """
        field = self._fields.get(fname)
        if fname in LOOP_MANY2ONE and not field.get_company_dependent_fallback(self):
            self.check_field_access_rights("read", [fname])
            column = SQL.identifier(alias, fname, to_flush=field if flush else None)
            return SQL("(%s->%s->>0)::int4", column, str(self.env.company.id))
        return super()._field_to_sql(alias, fname, query, flush)

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
        referred = partners.filtered("loop_referred_by_id")
        if referred:
            self.env["loop.engine"].refresh_partners(referred)
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

    # ------------------------------------------------------------------ referrals
    loop_referral_count = fields.Integer(
        string="Customers Brought",
        company_dependent=True,
        readonly=True,
        help="Customers this customer brought who take part in this company's "
        "loop (they have a stage or a paid visit).",
    )
    loop_referral_value_12m = fields.Float(
        string="Referral Value (12 Months)",
        company_dependent=True,
        readonly=True,
        digits="Account",
        help="12-month spend, net of refunds, of the customers this customer "
        "brought directly.",
    )
    loop_referral_value_total = fields.Float(
        string="Referral Value (Lifetime)",
        company_dependent=True,
        readonly=True,
        digits="Account",
        help="Total spend, net of refunds, of the customers this customer brought "
        "directly.",
    )
    loop_referral_network_count = fields.Integer(
        string="Referral Network",
        compute="_compute_loop_referral_network_count",
        help="Everyone in this customer's referral tree below them: the customers "
        "they brought, the customers those brought, and so on.",
    )
    loop_referral_reward_ids = fields.One2many(
        "loop.referral.reward",
        "referrer_id",
        string="Referral Rewards",
        readonly=True,
        groups="five_customer_loop.group_loop_user",
    )
    loop_referral_reward_count = fields.Integer(
        string="Rewards Earned",
        compute="_compute_loop_referral_reward_count",
        groups="five_customer_loop.group_loop_user",
    )

    # ------------------------------------------------------------------ computes
    def _compute_loop_referral_network_count(self):
        """Descendants in the referral tree: one recursive query for all."""
        ids = [pid for pid in self.ids if pid]
        counts = {}
        if ids:
            self.flush_model(["loop_referred_by_id"])
            counts = dict(
                self.env.execute_query(
                    SQL(
                        """WITH RECURSIVE tree(root, id) AS (
                               SELECT p.loop_referred_by_id, p.id FROM res_partner p
                                WHERE p.loop_referred_by_id = ANY(%(ids)s)
                               UNION
                               SELECT tree.root, p.id FROM res_partner p
                                 JOIN tree ON p.loop_referred_by_id = tree.id
                                WHERE p.id != tree.root
                           )
                           SELECT root, COUNT(DISTINCT id) FROM tree GROUP BY root""",
                        ids=ids,
                    )
                )
            )
        for partner in self:
            partner.loop_referral_network_count = counts.get(partner.id, 0)

    def _compute_loop_referral_reward_count(self):
        counts = dict(
            self.env["loop.referral.reward"]._read_group(
                [("referrer_id", "in", self.ids), ("state", "!=", "reversed")],
                ["referrer_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.loop_referral_reward_count = counts.get(partner, 0)

    # ------------------------------------------------------------------ onchange
    @api.onchange("loop_referred_by_id")
    def _onchange_loop_referred_by_id(self):
        if self.loop_referred_by_id and not self.loop_channel_id:
            self.loop_channel_id = self.env["loop.channel"].search(
                [("is_referral", "=", True)], limit=1
            )

    # ---------------------------------------------------------------- the guards
    def _loop_check_referral_change(self, referrer):
        """Refuse a new referrer of ``self`` (raises before anything is written)."""
        if referrer and referrer in self:
            raise ValidationError(
                self.env._(
                    "%(name)s cannot be referred by themselves.", name=referrer.name
                )
            )
        # sudo: the guard must see the rewards of every company, whatever the
        # companies of the user; it only counts them
        rewards = (
            self.env["loop.referral.reward"]
            .sudo()
            .search(
                [("referred_id", "in", self.ids), ("state", "!=", "reversed")],
                limit=1,
            )
        )
        if rewards:
            raise ValidationError(
                self.env._(
                    "A referral reward was already granted for %(name)s (referred by "
                    "%(referrer)s): the referrer cannot change any more. A loop "
                    "manager may reverse the reward first.",
                    name=rewards.referred_id.name,
                    referrer=rewards.referrer_id.name,
                )
            )
        if referrer:
            self._loop_check_referrers(referrer)

    def _loop_check_cycle(self, referrer):
        """Refuse when ``referrer`` was brought, directly or not, by one of ``self``.

        Called after the write (Odoo's ``_has_cycle`` reads the stored chain):
        the error rolls the write back. Naming who closed the circle walks up
        from the referrer, on refusal only.
        """
        if not self._has_cycle("loop_referred_by_id"):
            return
        culprit, seen = referrer, set()
        while culprit and culprit not in self and culprit.id not in seen:
            seen.add(culprit.id)
            culprit = culprit.loop_referred_by_id
        raise ValidationError(
            self.env._(
                "%(referrer)s cannot refer %(name)s: %(referrer)s was brought, "
                "directly or through other customers, by %(name)s. A referral "
                "cannot go round in a circle.",
                referrer=referrer.name,
                name=(culprit or self[:1]).name,
            )
        )

    @api.model
    def _loop_check_referrers(self, referrers):
        """Refuse referrers who are not customers of the current company.

        A customer of the company has a loop stage in it or a paid POS order
        there. One query.
        """
        if not referrers:
            return
        company = self.env.company
        self.env["pos.order"].flush_model(["state", "partner_id", "company_id"])
        self.flush_model(["loop_stage_id", "loop_visit_count"])
        known = {
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """SELECT p.id FROM res_partner p
                        WHERE p.id = ANY(%(ids)s)
                          AND (p.loop_stage_id ? %(cid)s OR %(visits)s >= 1
                               OR EXISTS (SELECT 1 FROM pos_order o
                                           WHERE o.partner_id = p.id
                                             AND o.company_id = %(company)s
                                             AND o.state IN %(states)s))""",
                    ids=referrers.ids,
                    cid=str(company.id),
                    visits=_cd("loop_visit_count", company, "integer"),
                    company=company.id,
                    states=PAID_STATES,
                )
            )
        }
        strangers = referrers.filtered(lambda p: p.id not in known)
        if strangers:
            raise ValidationError(
                self.env._(
                    "%(name)s is not a customer of %(company)s yet (no loop stage and "
                    "no paid visit): only customers of the store can refer new "
                    "customers.",
                    name=strangers[0].name,
                    company=company.name,
                )
            )

    # ------------------------------------------------------------------- actions
    def action_loop_referral_tree(self):
        """The customer's referral tree: their referrer, them, and below."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.res_partner_action_loop_referral_tree"
        )
        action["domain"] = [("id", "=", self.id)]
        action["name"] = action["display_name"] = self.env._(
            "Referral Tree of %(name)s", name=self.display_name
        )
        return action

    def action_loop_view_referral_rewards(self):
        return self._loop_open_related(
            "five_customer_loop.loop_referral_reward_action", "referrer_id"
        )

    # ------------------------------------------------------------------------ POS
    @api.model
    def _load_pos_data_fields(self, config_id):
        # company-dependent figures are read in the POS company (the POS session
        # puts it in the context)
        return [*super()._load_pos_data_fields(config_id), *POS_LOOP_FIELDS]

    # ------------------------------------------------------- bookings, visit plan
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
        help="The expected next visit is past or close (see Settings) and the "
        "customer has no future booking.",
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
        ids = self._loop_due_ids()
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", ids)]

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
        """Customers due for a visit in ``company`` (the current one): one query.

        Their expected next visit (last visit + their average interval) is past
        or within the company's planning window, and they have no booked or
        confirmed visit to come.
        """
        company = company or self.env.company
        self.env["calendar.event"].flush_model(
            ["loop_partner_id", "loop_state", "start", "is_loop_booking", "active"]
        )
        today = company._loop_today()
        limit = today + timedelta(days=company.loop_visit_due_days)
        restrict = SQL("AND p.id = ANY(%s)", list(ids)) if ids is not None else SQL()
        rows = self.env.execute_query(
            SQL(
                """SELECT p.id FROM res_partner p
                    WHERE p.active AND %(next)s <= %(limit)s %(restrict)s
                      AND NOT EXISTS (
                          SELECT 1 FROM calendar_event e
                           WHERE e.loop_partner_id = p.id AND e.is_loop_booking
                             AND e.active AND e.loop_company_id = %(company)s
                             AND e.loop_state IN %(upcoming)s
                             AND e.start >= %(now)s)""",
                next=_cd("loop_next_visit", company, "date"),
                limit=limit,
                restrict=restrict,
                company=company.id,
                upcoming=UPCOMING_STATES,
                now=fields.Datetime.now(),
            )
        )
        return [row[0] for row in rows]

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
            items = [
                (partner.id, partner.loop_user_id.id, summary)
                for partner in due
                if partner.loop_user_id
            ]
            self.env["loop.engine"]._schedule_activities(
                "five_customer_loop.mail_activity_type_visit_due", items
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
