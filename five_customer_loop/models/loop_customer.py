from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import SQL

HEALTH = [
    ("none", "No Visit Yet"),
    ("good", "Healthy"),
    ("at_risk", "At Risk"),
    ("lost", "Lost"),
]

SEGMENTS = [
    ("new", "New Customer"),
    ("big", "Big Customer"),
    ("potential", "Potential"),
    ("loyal", "Loyal"),
    ("occasional", "Occasional"),
]

# Figures the engine writes: column -> SQL type (as exchanged with
# jsonb_to_recordset). The partner shows each as ``loop_<column>``.
FIGURES = {
    "first_visit": "date",
    "last_visit": "date",
    "next_visit": "date",
    "visit_count": "integer",
    "prospect": "boolean",
    "visit_count_12m": "integer",
    "spend_total": "numeric",
    "spend_12m": "numeric",
    "avg_ticket": "numeric",
    "avg_interval": "numeric",
    "repurchase_rate": "numeric",
    "tier_id": "integer",
    "segment": "varchar",
    "health": "varchar",
    "recent_upgrade": "boolean",
    "stage_id": "integer",
    "stage_date": "timestamp",
    "stage_pinned": "boolean",
    "referral_paid_count": "integer",
    "referral_count": "integer",
    "referral_value_12m": "numeric",
    "referral_value_total": "numeric",
    "card_balance": "numeric",
    "card_sessions": "integer",
    "card_count": "integer",
}
# every column the engine writes: the figures, and what it keeps to skip work
COLUMNS = {**FIGURES, "orders_digest": "varchar"}


class LoopCustomer(models.Model):
    """A customer's figures in the loop of one company: the one stored home.

    One row per customer and company holds every figure the engine derives:
    the consumption archive, tier, segment, health, stage, cards and
    referrals. The engine writes nothing else (``loop.engine._write_company_values``);
    the partner shows the current company's row through computed fields; the
    funnel is a kanban of these rows, its column totals a plain grouped read
    on this narrow, indexed table. Rows are never edited by hand: moving a
    card moves the customer.
    """

    _name = "loop.customer"
    _description = "Customer in the Loop"
    _order = "name, id desc"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=False,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        ondelete="cascade",
    )
    # "Name", not the related field's "Complete Name"
    name = fields.Char(  # pylint: disable=attribute-string-redundant
        related="partner_id.complete_name", store=True, string="Name"
    )
    active = fields.Boolean(related="partner_id.active", store=True)
    phone = fields.Char(related="partner_id.phone")
    # the funnel's card shows it, without reading the customer's name again
    avatar_128 = fields.Image(related="partner_id.avatar_128", string="Avatar")
    user_id = fields.Many2one(related="partner_id.loop_user_id", store=True)
    currency_id = fields.Many2one(related="company_id.currency_id")

    # ------------------------------------------------------- consumption archive
    first_visit = fields.Date(readonly=True)
    last_visit = fields.Date(readonly=True)
    next_visit = fields.Date(
        string="Expected Next Visit",
        readonly=True,
        help="Last visit plus the customer's average interval.",
    )
    # computed when read: stored, it would rewrite every row every night
    days_since_visit = fields.Integer(
        string="Days Since Last Visit",
        compute="_compute_days_since_visit",
        search="_search_days_since_visit",
    )
    card_expiry_days = fields.Integer(
        string="Days to Card Expiry",
        compute="_compute_card_expiry_days",
        search="_search_card_expiry_days",
        help="Days until the first of her active cards in this store expires "
        "(耗卡提醒); 0 without an expiring card.",
    )
    birthday_this_month = fields.Boolean(
        compute="_compute_birthday_this_month",
        search="_search_birthday_this_month",
        help="Her birthday (solar) falls in the current month of the store.",
    )
    visit_count = fields.Integer(
        string="Visits",
        readonly=True,
        aggregator=False,
        help="Days with paid orders that their refunds did not take back in full "
        "(one visit a day).",
    )
    prospect = fields.Boolean(
        readonly=True,
        help="Reached by the store (a referral, a booking or an acquisition "
        "channel) but no paid visit yet: in Attract, counted apart from "
        "first-time customers.",
    )
    visit_count_12m = fields.Integer(string="Visits (12 Months)", readonly=True)
    spend_total = fields.Monetary(
        string="Total Spend",
        readonly=True,
        help="Paid orders net of refunds, in company currency.",
    )
    spend_12m = fields.Monetary(
        string="12-Month Spend",
        readonly=True,
        help="Paid orders of the last 12 months net of refunds, in company currency.",
    )
    avg_ticket = fields.Monetary(
        string="Average Ticket",
        readonly=True,
        aggregator="avg",
        help="Total spend divided by the number of visits.",
    )
    avg_interval = fields.Float(
        string="Average Interval (days)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
    )
    repurchase_rate = fields.Float(
        string="Repurchase Rate (%)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Share of the distinct products bought that were bought again on "
        "another visit.",
    )
    orders_digest = fields.Char(
        readonly=True,
        help="Digest of the paid orders the repurchase rate was computed from: "
        "their lines are read again when it changes.",
    )

    # ------------------------------------------------------------------ the loop
    tier_id = fields.Many2one("loop.tier", readonly=True, ondelete="set null")
    segment = fields.Selection(SEGMENTS, string="Value Segment", readonly=True)
    health = fields.Selection(HEALTH, readonly=True)
    recent_upgrade = fields.Boolean(
        string="Upgraded in 12 Months",
        readonly=True,
        help="The customer's tier went up during the last 12 months.",
    )
    stage_id = fields.Many2one(
        "loop.stage",
        group_expand="_read_group_stage_ids",
        ondelete="set null",
        index=False,
    )
    stage_date = fields.Datetime(string="In Stage Since", readonly=True)
    stage_pinned = fields.Boolean(
        readonly=True,
        help="A manager fixed the stage by hand: the nightly rules leave it alone.",
    )
    referral_paid_count = fields.Integer(
        string="Paying Referrals",
        readonly=True,
        help="Referred customers who paid at least one visit.",
    )
    referral_count = fields.Integer(
        string="Customers Brought",
        readonly=True,
        help="Customers this customer brought who take part in this company's "
        "loop (they have a stage or a paid visit).",
    )
    referral_value_12m = fields.Monetary(
        string="Referral Value (12 Months)",
        readonly=True,
        help="12-month spend, net of refunds, of the customers this customer "
        "brought directly.",
    )
    referral_value_total = fields.Monetary(
        string="Referral Value (Lifetime)",
        readonly=True,
        help="Total spend, net of refunds, of the customers this customer brought "
        "directly.",
    )
    # not summed by the funnel's columns
    card_balance = fields.Monetary(
        string="Stored Value", readonly=True, aggregator=False
    )
    card_sessions = fields.Integer(
        string="Sessions Left", readonly=True, aggregator=False
    )
    card_count = fields.Integer(
        string="Active Cards",
        readonly=True,
        aggregator=False,
        help="Cards with value or sessions left.",
    )
    kanban_color = fields.Integer(compute="_compute_kanban_color")

    _sql_constraints = [
        (
            "partner_company_uniq",
            "unique(partner_id, company_id)",
            "A customer has one place in the loop of each company.",
        )
    ]

    def init(self):
        # Every nightly run updates the rows whose figures changed: vacuumed
        # after 2 % of them changed (not PostgreSQL's default 20 %), the
        # visibility map stays current and the funnel's counts and the
        # engine's reads stay index-only.
        self.env.cr.execute(
            """ALTER TABLE loop_customer
                 SET (autovacuum_vacuum_scale_factor = 0.02,
                      autovacuum_analyze_scale_factor = 0.02)"""
        )
        # The funnel's columns: the customers of one stage in name order, and
        # how many there are (an index-only count, company included).
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS loop_customer_funnel_index
                   ON loop_customer (stage_id, name, id DESC) INCLUDE (company_id)
                WHERE active"""
        )
        # The funnel's column totals and health bars (grouped by stage, and by
        # stage and health, with the 12-month spend): read from this index
        # alone, not from the table.
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS loop_customer_funnel_totals_index
                   ON loop_customer (company_id, stage_id, health)
                   INCLUDE (spend_12m)
                WHERE active"""
        )

    @api.model
    def _company_partner_ids(self, company):
        """The customers of ``company``'s loop (every row, archived ones too)."""
        self.flush_model(["partner_id", "company_id"])
        return [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    "SELECT partner_id FROM loop_customer WHERE company_id = %s",
                    company.id,
                )
            )
        ]

    # ------------------------------------------------------------------ computes
    @api.depends("last_visit", "company_id")
    def _compute_days_since_visit(self):
        today = {}
        for member in self:
            company = member.company_id
            if company not in today:
                today[company] = company._loop_today()
            member.days_since_visit = (
                (today[company] - member.last_visit).days if member.last_visit else 0
            )

    def _expiring_cards(self):
        """``{(partner, company): first expiry}`` of the active cards of ``self``."""
        rows = self.env["loop.card"]._read_group(
            [
                ("partner_id", "in", self.partner_id.ids),
                ("company_id", "in", self.company_id.ids),
                ("state", "=", "active"),
                ("expiry_date", "!=", False),
            ],
            ["partner_id", "company_id"],
            ["expiry_date:min"],
        )
        return {(partner.id, company.id): day for partner, company, day in rows}

    def _compute_card_expiry_days(self):
        first = self._expiring_cards() if self.ids else {}
        for member in self:
            day = first.get((member.partner_id.id, member.company_id.id))
            today = member.company_id._loop_today()
            member.card_expiry_days = max((day - today).days, 0) if day else 0

    def _search_card_expiry_days(self, operator, value):
        """Customers whose first active card expires within the compared days
        (from today on): ``card_expiry_days <= 30`` is a card expiring within
        30 days."""
        if operator not in ("<", "<=", "=", ">", ">=") or not isinstance(value, int):
            raise UserError(
                self.env._("Days to card expiry compare with a whole number.")
            )
        today = self.env.company._loop_today()
        cards = self.env["loop.card"]._search(
            [
                ("company_id", "=", self.env.company.id),
                ("state", "=", "active"),
                ("expiry_date", ">=", today),
                ("expiry_date", operator, fields.Date.add(today, days=value)),
            ]
        )
        return [("partner_id", "in", cards.subselect("partner_id"))]

    def _compute_birthday_this_month(self):
        for member in self:
            birthday = member.partner_id.loop_birthday
            today = member.company_id._loop_today()
            member.birthday_this_month = bool(
                birthday and birthday.month == today.month
            )

    def _search_birthday_this_month(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(self.env._("Search the birthday month with = or !="))
        month = self.env.company._loop_today().month
        partners = self.env["res.partner"]._search([("loop_birthday", "!=", False)])
        partners.add_where(
            SQL(
                "EXTRACT(MONTH FROM %s) = %s",
                SQL.identifier(partners.table, "loop_birthday"),
                month,
            )
        )
        positive = (operator == "=") == bool(value)
        return [("partner_id", "in" if positive else "not in", partners)]

    def _search_days_since_visit(self, operator, value):
        """Days since the last visit as a condition on the last visit's day.

        A customer with no visit counts 0 days, as the field shows.
        """
        if operator not in ("=", "!=", "<", "<=", ">", ">=") or not isinstance(
            value, int
        ):
            raise UserError(
                self.env._("Days since the last visit compare with a whole number.")
            )
        day = fields.Date.subtract(self.env.company._loop_today(), days=value)
        # more days since the visit is an earlier visit: the comparison flips
        flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(operator, operator)
        domain = [("last_visit", flipped, day)]
        no_visit = {
            "=": value == 0,
            "!=": value != 0,
            "<": value > 0,
            "<=": value >= 0,
            ">": value < 0,
            ">=": value <= 0,
        }[operator]
        if no_visit:
            return expression.OR([domain, [("last_visit", "=", False)]])
        return expression.AND([domain, [("last_visit", "!=", False)]])

    @api.depends("health")
    def _compute_kanban_color(self):
        colors = {"at_risk": 2, "lost": 1, "good": 10}
        for member in self:
            member.kanban_color = colors.get(member.health, 0)

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        return stages.search([])

    @api.model
    def _read_group(
        self,
        domain,
        groupby=(),
        aggregates=(),
        having=(),
        offset=0,
        limit=None,
        order=None,
    ):
        """The funnel's totals by stage (and health), read from their index.

        Ordered by stage, Odoo joins ``loop_stage`` to every row before the
        rows are counted (to sort by the stage's sequence): at 100,000
        customers, half the time of the read. The stages, a handful, are put
        in their order here, after the count. And the planner, which costs
        the pages of an index as if each were read from disk, prefers a
        parallel scan of the whole table to ``loop_customer_funnel_totals_index``
        (twice as slow on two cores): the funnel's index is read all day
        and cached, which the read says with a lower page cost (for this
        query only). Reads in no order (``order=None``: the stage's id) are
        Odoo's own.
        """
        groupby = list(groupby)
        if (
            not groupby
            or groupby[0] != "stage_id"
            or having
            or offset
            or limit
            or not order
            or order.replace(" ", "") not in ("stage_id", ",".join(groupby))
            or any(
                "." in spec or self._fields[spec.split(":")[0]].type == "many2one"
                for spec in groupby[1:]
            )
        ):
            return super()._read_group(
                domain, groupby, aggregates, having, offset, limit, order
            )
        previous = self.env.execute_query(
            SQL(
                """SELECT current_setting('random_page_cost'),
                          set_config('random_page_cost', '1.1', true)"""
            )
        )[0][0]
        try:
            rows = super()._read_group(domain, groupby, aggregates)
        finally:
            self.env.execute_query(
                SQL("SELECT set_config('random_page_cost', %s, true)", previous)
            )
        stages = self.env["loop.stage"].browse({row[0].id for row in rows if row[0]})
        rank = {
            stage.id: index
            for index, stage in enumerate(
                stages.with_context(active_test=False).sorted()
            )
        }
        return sorted(rows, key=lambda row: rank.get(row[0].id, len(rank)))

    # ------------------------------------------------------------------ writing
    def write(self, vals):  # pylint: disable=method-required-super
        """Moving a card moves the customer: the only change allowed here.

        The engine writes the figures with SQL (``loop.engine._write_company_values``);
        through the ORM, only a manager's move of the stage is accepted.
        """
        self.check_access("write")
        if set(vals) != {"stage_id"}:
            raise UserError(
                self.env._(
                    "The funnel shows figures computed from the customers' orders: "
                    "only the stage can be changed here. Open the customer to edit "
                    "the archive."
                )
            )
        stage = self.env["loop.stage"].browse(vals["stage_id"])
        reason = self.env.context.get("loop_stage_reason") or self.env._(
            "Moved in the funnel"
        )
        pin = self.env.context.get("loop_stage_pin", True)
        for company, members in self.grouped("company_id").items():
            members.partner_id.with_company(company)._loop_move_stage(
                stage, reason=reason, pin=pin
            )
        return True

    # ------------------------------------------------------------------ actions
    def action_move_stage(self, stage_id=False):
        """The move wizard for this customer, on ``stage_id`` (a funnel drag).

        A move by hand is a manager's decision with a reason (kept in the stage
        history): dropping a card in another column asks for it, as the Move
        Stage button does, instead of pinning the stage silently.
        """
        self.ensure_one()
        if not self.env.user.has_group("five_customer_loop.group_loop_manager"):
            raise AccessError(self.env._("Only loop managers move customers by hand."))
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.loop_stage_move_wizard_action"
        )
        action["context"] = {
            "default_partner_ids": self.partner_id.ids,
            "default_stage_id": stage_id,
            # the move is made in the card's company
            "allowed_company_ids": self._companies_card_first(),
        }
        return action

    def action_view_stage_history(self):
        """The customer's stays in this company's loop."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "five_customer_loop.loop_stage_history_action"
        )
        action["domain"] = [
            ("partner_id", "=", self.partner_id.id),
            ("company_id", "=", self.company_id.id),
        ]
        action["context"] = {}
        return action

    def action_open_partner(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "views": [(False, "form")],
            # the archive page shows the figures of the card's company
            "context": {"allowed_company_ids": self._companies_card_first()},
        }

    def _companies_card_first(self):
        """The user's companies, the card's first: it becomes the current one."""
        return [self.company_id.id, *(self.env.companies - self.company_id).ids]
