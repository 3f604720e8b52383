from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib.loop_sql import company_value
from .res_partner import HEALTH, SEGMENTS


def _holds(value, operator, operand):
    """Whether a stage or health value satisfies one domain leaf."""
    if operator in ("in", "not in"):
        found = value in [item or False for item in operand]
        return found if operator == "in" else not found
    return (value == (operand or False)) == (operator == "=")


# Column of loop.member -> (company-dependent field of res.partner, SQL type).
MIRRORED = {
    "stage_id": ("loop_stage_id", "int4"),
    "stage_date": ("loop_stage_date", "timestamp"),
    "stage_pinned": ("loop_stage_pinned", "boolean"),
    "tier_id": ("loop_tier_id", "int4"),
    "segment": ("loop_segment", "varchar"),
    "health": ("loop_health", "varchar"),
    "spend_12m": ("loop_spend_12m", "numeric"),
    "visit_count": ("loop_visit_count", "int4"),
    "visit_count_12m": ("loop_visit_count_12m", "int4"),
    "last_visit": ("loop_last_visit", "date"),
    "card_balance": ("loop_card_balance", "numeric"),
    "card_sessions": ("loop_card_sessions", "int4"),
}


class LoopMember(models.Model):
    """A customer's place in the loop of one company: the funnel's cards.

    The figures live on the partner as company-dependent fields (one jsonb
    column each); this narrow table repeats the ones the funnel groups, sums
    and shows, one row per customer and company, so that opening the funnel
    reads a few megabytes instead of every partner's wide row. The engine
    writes it in the same transaction as the partner's figures
    (``loop.engine._write_company_values`` calls ``_sync``): it is never
    edited on its own, and moving a card moves the customer.
    """

    _name = "loop.member"
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
    tier_id = fields.Many2one("loop.tier", readonly=True, ondelete="set null")
    segment = fields.Selection(SEGMENTS, string="Value Segment", readonly=True)
    health = fields.Selection(HEALTH, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    spend_12m = fields.Monetary(
        string="12-Month Spend",
        readonly=True,
        help="Paid orders of the last 12 months net of refunds, in company currency.",
    )
    visit_count = fields.Integer(string="Visits", readonly=True, aggregator=False)
    visit_count_12m = fields.Integer(string="Visits (12 Months)", readonly=True)
    last_visit = fields.Date(readonly=True)
    # computed when shown: stored, it would rewrite every row every night
    days_since_visit = fields.Integer(
        string="Days Since Last Visit", compute="_compute_days_since_visit"
    )
    # not summed by the funnel's columns (their index holds the spend only)
    card_balance = fields.Monetary(
        string="Stored Value", readonly=True, aggregator=False
    )
    card_sessions = fields.Integer(
        string="Sessions Left", readonly=True, aggregator=False
    )
    kanban_color = fields.Integer(compute="_compute_kanban_color")
    phone = fields.Char(related="partner_id.phone")
    user_id = fields.Many2one(related="partner_id.loop_user_id", store=True)

    _sql_constraints = [
        (
            "partner_company_uniq",
            "unique(partner_id, company_id)",
            "A customer has one place in the loop of each company.",
        )
    ]

    def init(self):
        # The funnel's columns: the customers of one stage in name order, and
        # how many there are (an index-only count, company included).
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS loop_member_funnel_index
                   ON loop_member (stage_id, name, id DESC) INCLUDE (company_id)
                WHERE active"""
        )
        self._init_counts()

    # ------------------------------------------------------------------ counting
    def _init_counts(self):
        """Keep the funnel's column totals as they change (loop_member_count).

        Counting 100,000 customers by stage and health on every opening of the
        funnel grows with the number of customers. PostgreSQL itself records
        each statement's effect on the totals of (company, stage, health):
        statement triggers add one row per changed group, whoever writes
        (the engine, the ORM, a cascade, a merge of partners). Rows are only
        ever added, so concurrent writers never wait on each other; the
        nightly run folds them (``_compact_counts``). Reading the totals sums a
        few hundred rows.
        """
        cr = self.env.cr
        cr.execute(
            """CREATE TABLE IF NOT EXISTS loop_member_count (
                   company_id integer NOT NULL,
                   stage_id integer,
                   health varchar,
                   n integer NOT NULL,
                   spend numeric NOT NULL
               )"""
        )
        cr.execute(
            """CREATE OR REPLACE FUNCTION loop_member_count_delta() RETURNS trigger
               LANGUAGE plpgsql AS $$
               BEGIN
                   IF TG_OP = 'INSERT' THEN
                       INSERT INTO loop_member_count
                       SELECT company_id, stage_id, health, COUNT(*),
                              COALESCE(SUM(spend_12m), 0)
                         FROM new_rows WHERE active GROUP BY 1, 2, 3;
                   ELSIF TG_OP = 'DELETE' THEN
                       INSERT INTO loop_member_count
                       SELECT company_id, stage_id, health, -COUNT(*),
                              -COALESCE(SUM(spend_12m), 0)
                         FROM old_rows WHERE active GROUP BY 1, 2, 3;
                   ELSE
                       INSERT INTO loop_member_count
                       SELECT company_id, stage_id, health, SUM(n), SUM(spend)
                         FROM (SELECT company_id, stage_id, health, 1 AS n,
                                      COALESCE(spend_12m, 0) AS spend
                                 FROM new_rows WHERE active
                               UNION ALL
                               SELECT company_id, stage_id, health, -1,
                                      -COALESCE(spend_12m, 0)
                                 FROM old_rows WHERE active) AS delta
                        GROUP BY 1, 2, 3
                       HAVING SUM(n) <> 0 OR SUM(spend) <> 0;
                   END IF;
                   RETURN NULL;
               END $$"""
        )
        for event, tables in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            name = SQL.identifier(f"loop_member_count_{event.lower()}")
            cr.execute(SQL("DROP TRIGGER IF EXISTS %s ON loop_member", name))
            cr.execute(
                SQL(
                    """CREATE TRIGGER %s AFTER %s ON loop_member
                       REFERENCING %s FOR EACH STATEMENT
                       EXECUTE FUNCTION loop_member_count_delta()""",
                    name,
                    SQL(event),
                    SQL(tables),
                )
            )
        # recounted at each install and upgrade: whatever happened to the
        # triggers in between, the totals start exact (a fraction of a second
        # at 100,000 customers)
        self._rebuild_counts()

    def _rebuild_counts(self):
        """Recount every group from the customers (install, repair)."""
        self.env.cr.execute("DELETE FROM loop_member_count")
        self.env.cr.execute(
            """INSERT INTO loop_member_count
               SELECT company_id, stage_id, health, COUNT(*),
                      COALESCE(SUM(spend_12m), 0)
                 FROM loop_member WHERE active GROUP BY 1, 2, 3"""
        )

    @api.model
    def _compact_counts(self):
        """Fold the recorded changes into one row per group."""
        self.env.cr.execute(
            """WITH folded AS (DELETE FROM loop_member_count RETURNING *)
               INSERT INTO loop_member_count
               SELECT company_id, stage_id, health, SUM(n), SUM(spend)
                 FROM folded GROUP BY 1, 2, 3
               HAVING SUM(n) <> 0 OR SUM(spend) <> 0"""
        )

    @api.model
    def _counted_groups(self, domain, groupby, aggregates):
        """The funnel's totals from loop_member_count, or None when they cannot say.

        They answer a grouping by stage (and health) of the active customers,
        counted and with their 12-month spend summed, filtered on stage and
        health only, under the multi-company rule alone.
        """
        allowed = {"__count", "spend_12m:sum"}
        if (
            not set(groupby) <= {"stage_id", "health"}
            or not set(aggregates) <= allowed
            or not self.env.context.get("active_test", True)
        ):
            return None
        leaves = []
        for leaf in domain:
            if leaf == "&":
                continue
            if (
                not isinstance(leaf, list | tuple)
                or len(leaf) != 3
                or leaf[0] not in ("stage_id", "health")
                or leaf[1] not in ("=", "!=", "in", "not in")
            ):
                return None
            leaves.append(tuple(leaf))
        if self.env.su:
            companies = None
        else:
            expected = [("company_id", "in", self.env.companies.ids)]
            rule = self.env["ir.rule"]._compute_domain(self._name, "read")
            if [tuple(leaf) for leaf in rule] != expected:
                return None
            companies = self.env.companies.ids
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT stage_id, health, SUM(n), SUM(spend)
                     FROM loop_member_count
                    WHERE %s
                    GROUP BY 1, 2 HAVING SUM(n) <> 0""",
                SQL("company_id = ANY(%s)", companies)
                if companies is not None
                else SQL("TRUE"),
            )
        )
        totals = {}
        for stage_id, health, count, spend in self.env.cr.fetchall():
            values = {"stage_id": stage_id or False, "health": health or False}
            if not all(_holds(values[f], op, value) for f, op, value in leaves):
                continue
            key = tuple(values[name] for name in groupby)
            group = totals.setdefault(key, [0, 0.0])
            group[0] += count
            group[1] += float(spend)
        stages = self.env["loop.stage"].browse(
            [key[groupby.index("stage_id")] for key in totals if "stage_id" in groupby]
        )
        rows = []
        for key, (count, spend) in totals.items():
            row = [
                stages.browse(value or []) if name == "stage_id" else value
                for name, value in zip(groupby, key, strict=True)
            ]
            row += [count if spec == "__count" else spend for spec in aggregates]
            rows.append(tuple(row))
        return rows

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
        """The funnel's groups by stage, ordered without a join on each row.

        Grouped by stage, the ORM orders the groups by the stages' sequence
        with a join of ``loop_stage`` on each customer: over 100,000 customers
        that join costs more than the grouping itself. The funnel's groups (by
        stage, then health) are ordered here instead, in Python, and their
        totals come from ``loop_member_count`` when it can answer.
        """
        # the ORM checks this in _read_group; the totals' shortcut must too
        self.browse().check_access("read")
        groupby = tuple(groupby)
        if (
            groupby
            and groupby[0] == "stage_id"
            and not having
            and not offset
            and not limit
            and (order or ",".join(groupby)) == ",".join(groupby)
        ):
            rows = self._counted_groups(domain, groupby, tuple(aggregates))
            if rows is None and len(groupby) == 1:
                rows = super()._read_group(domain, groupby, aggregates, order="")
            if rows is not None:
                return self._sorted_by_stage(rows, len(groupby))
        return super()._read_group(
            domain, groupby, aggregates, having, offset, limit, order
        )

    @api.model
    def _sorted_by_stage(self, rows, keys):
        """Rows grouped by stage (then health) in the ORM's order of groups."""
        # sudo, every stage: only their order is read, to sort groups the
        # caller may already see
        stages = (
            self.env["loop.stage"]
            .sudo()
            .with_context(active_test=False)
            .browse({row[0].id for row in rows} - {False})
        )
        rank = {stage.id: index for index, stage in enumerate(stages.sorted())}
        # by stage, no stage last; then by health, none last
        return sorted(
            rows,
            key=lambda row: (
                rank.get(row[0].id, len(rank)),
                [(not value, value or "") for value in row[1:keys]],
            ),
        )

    @api.depends("last_visit")
    @api.depends_context("tz")
    def _compute_days_since_visit(self):
        today = fields.Date.context_today(self)
        for member in self:
            member.days_since_visit = (
                (today - member.last_visit).days if member.last_visit else 0
            )

    @api.depends("health")
    def _compute_kanban_color(self):
        colors = {"at_risk": 2, "lost": 1, "good": 10}
        for member in self:
            member.kanban_color = colors.get(member.health, 0)

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        return stages.search([])

    # ------------------------------------------------------------------ writing
    def write(self, vals):  # pylint: disable=method-required-super
        """Moving a card moves the customer: the only change allowed here.

        Nothing is written here directly: the customer's move writes their
        figures, which the engine copies into this row (``_sync``).
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

    @api.model
    def _sync(self, company, partner_ids=None, written=None):
        """Copy the partners' figures in ``company`` into their rows here.

        ``partner_ids``: the partners just written; ``None`` copies every
        partner that has a stage, visits or cards in ``company`` (install and
        upgrade). ``written``: the partner fields just written; the existing
        rows get those columns only (all of them when not given), new rows get
        every column. One statement, which touches only rows that differ;
        returns how many it wrote.
        """
        cid = str(company.id)
        if partner_ids is None:
            where = SQL(
                "p.loop_stage_id ? %(cid)s OR p.loop_visit_count ? %(cid)s "
                "OR p.loop_card_count ? %(cid)s",
                cid=cid,
            )
        else:
            where = SQL("p.id = ANY(%s)", list(partner_ids))
        columns = list(MIRRORED)
        copied = ["name", "active", "user_id", *columns]
        updated = [
            column
            for column in copied
            if written is None
            or column not in MIRRORED
            or MIRRORED[column][0] in written
        ]
        now = fields.Datetime.now()
        self.env["res.partner"].flush_model(["complete_name", "active", "loop_user_id"])
        # Rows that exist are updated where they differ; missing ones are
        # inserted. Conflict handling on every row would cost a speculative
        # insertion each (a third of the copy's time); ON CONFLICT stays on the
        # insertion as a guard, the partner's row lock taken by the engine's
        # UPDATE already orders concurrent writers of a customer.
        self.env.cr.execute(
            SQL(
                """WITH src AS (
                       SELECT p.id AS partner_id, p.complete_name AS name, p.active,
                              p.loop_user_id AS user_id, %(values)s
                         FROM res_partner p
                        WHERE %(where)s
                   ), changed AS (
                       UPDATE loop_member AS m
                          SET %(updates)s, write_uid = %(uid)s, write_date = %(now)s
                         FROM src
                        WHERE m.partner_id = src.partner_id
                          AND m.company_id = %(company)s
                          AND (%(old)s) IS DISTINCT FROM (%(new)s)
                    RETURNING m.id
                   ), added AS (
                       INSERT INTO loop_member AS m
                              (partner_id, company_id, %(copied)s,
                               create_uid, create_date, write_uid, write_date)
                       SELECT src.partner_id, %(company)s, %(from_src)s,
                              %(uid)s, %(now)s, %(uid)s, %(now)s
                         FROM src
                        WHERE NOT EXISTS (SELECT 1 FROM loop_member o
                                           WHERE o.partner_id = src.partner_id
                                             AND o.company_id = %(company)s)
                       ON CONFLICT (partner_id, company_id) DO UPDATE
                          SET %(excluded)s, write_uid = %(uid)s, write_date = %(now)s
                    RETURNING m.id
                   )
                   SELECT (SELECT COUNT(*) FROM changed)
                          + (SELECT COUNT(*) FROM added)""",
                values=SQL(", ").join(
                    SQL(
                        "%s AS %s",
                        company_value(field, company, cast),
                        SQL.identifier(column),
                    )
                    for column, (field, cast) in MIRRORED.items()
                ),
                where=where,
                updates=SQL(", ").join(
                    SQL("%s = src.%s", SQL.identifier(c), SQL.identifier(c))
                    for c in updated
                ),
                uid=self.env.uid,
                now=now,
                company=company.id,
                old=SQL(", ").join(SQL.identifier("m", c) for c in updated),
                new=SQL(", ").join(SQL.identifier("src", c) for c in updated),
                copied=SQL(", ").join(SQL.identifier(c) for c in copied),
                from_src=SQL(", ").join(SQL.identifier("src", c) for c in copied),
                excluded=SQL(", ").join(
                    SQL("%s = EXCLUDED.%s", SQL.identifier(c), SQL.identifier(c))
                    for c in copied
                ),
            )
        )
        count = self.env.cr.fetchone()[0]
        self.invalidate_model()
        return count

    # ------------------------------------------------------------------ actions
    def action_open_partner(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "views": [(False, "form")],
            # the archive page shows the figures of the card's company
            "context": {
                "allowed_company_ids": [
                    self.company_id.id,
                    *(self.env.companies - self.company_id).ids,
                ]
            },
        }
