"""Stage and tier history from day one, reconstructed from the order history.

Installed into a database that already holds years of orders, the engine
starts every customer's stage and tier history on the install day. This
rebuilds the automatic part of both histories before that day, month-end by
month-end: on each month's last day (the store's day), the figures the order
history gives then (visits, 12-month visits and spend, first and last visit,
average ticket and interval, health, tier, segment, cards with value or
sessions left, paying referrals, a tier upgrade in the last 12 months) and the
stage the rules give on them. Rows written are marked ``reconstructed``; a
rebuild replaces them.

Set-based: per batch of customers, a few statements build every month-end's
figures at once (window functions over a customer × month grid), one CASE
evaluates the stage rules over all of them, and one statement each writes the
stage and the tier history. Manual moves and pins are not reconstructed: they
are decisions, not rules.

The first real row of a customer (the install day's entry, "from nothing")
is joined to what came before: when the last reconstructed stage is the same,
the real row starts where that stay began (it is the same stay); otherwise it
records the move from the reconstructed stage. The tier history likewise.
"""

import logging

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib import loop_rules
from ..lib.loop_sql import visit_days

_logger = logging.getLogger(__name__)

# Temporary tables of one batch (dropped before each batch and at commit).
TEMP_TABLES = (
    "loop_rc_days",
    "loop_rc_cards",
    "loop_rc",
    "loop_rc_runs",
    "loop_rc_tiers",
    "loop_rc_link",
    "loop_rc_first",
)


class LoopHistoryReconstruction(models.AbstractModel):
    _name = "loop.history.reconstruction"
    _description = "Loop History Reconstruction"

    @api.model
    def _reconstruct(self, companies=None, installed=None):
        """Rebuild the reconstructed stage and tier history of ``companies``.

        Returns ``{"stage": rows, "tier": rows, "customers": customers}``
        written. ``installed``: when the install's recompute began (the
        post-init hook): an entry it recorded since gives way to the stage the
        reconstructed history leads to, instead of a move. Runs as superuser:
        it derives history from orders for every customer of the company,
        whoever asks (a loop manager's action).
        """
        # sudo: the reconstruction writes derived history only (no choice of
        # the user), for every customer of the company, like the nightly run.
        self = self.sudo()
        companies = (companies or self.env["res.company"].search([])).sudo()
        self.env.flush_all()
        # a batch's grid (10,000 customers x their months) is sorted by the
        # window functions in memory, not in temporary files; compiling the
        # few big statements (JIT) costs more than it saves
        self.env.cr.execute(SQL("SET LOCAL jit = off; SET LOCAL work_mem = '256MB'"))
        engine = self.env["loop.engine"]
        size = engine._batch_size()
        totals = {"stage": 0, "tier": 0, "customers": 0}
        for company in companies:
            ids = [
                row[0]
                for row in self.env.execute_query(
                    SQL(
                        """SELECT partner_id FROM loop_customer
                            WHERE company_id = %s ORDER BY partner_id""",
                        company.id,
                    )
                )
            ]
            for start in range(0, len(ids), size):
                batch = ids[start : start + size]
                stage_rows, tier_rows = self._reconstruct_batch(
                    company, batch, installed
                )
                totals["stage"] += stage_rows
                totals["tier"] += tier_rows
            totals["customers"] += len(ids)
        for table in TEMP_TABLES:
            self.env.cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(table)))
        self.env["loop.stage.history"].invalidate_model()
        self.env["loop.tier.history"].invalidate_model()
        self.env["loop.customer"].invalidate_model()
        _logger.info("Five-Customer Loop: reconstructed history %s", totals)
        return totals

    # ------------------------------------------------------------------ batch
    @api.model
    def _reconstruct_batch(self, company, ids, installed=None):
        """Reconstruct the history of ``ids`` in ``company``; returns row counts."""
        cr = self.env.cr
        for table in TEMP_TABLES:
            cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(table)))
        for table in ("loop_stage_history", "loop_tier_history"):
            cr.execute(
                SQL(
                    """DELETE FROM %s WHERE company_id = %s
                          AND partner_id = ANY(%s) AND reconstructed""",
                    SQL.identifier(table),
                    company.id,
                    ids,
                )
            )
        tz = company._loop_tz()
        engine = self.env["loop.engine"]
        orders = engine._paid_orders(company, ids)
        # the visit days (a refunded visit is no visit) of the batch
        cr.execute(
            SQL(
                "CREATE TEMP TABLE loop_rc_days ON COMMIT DROP AS %s",
                visit_days(orders),
            )
        )
        cr.execute(SQL("ANALYZE loop_rc_days"))
        self._build_cards(company, ids)
        cr.execute(SQL("ANALYZE loop_rc_cards"))
        self._build_figures(company, ids, tz)
        month_ends = [
            row[0]
            for row in self.env.execute_query(
                SQL("SELECT DISTINCT month_end FROM loop_rc ORDER BY 1")
            )
        ]
        if not month_ends:
            return 0, 0
        tier_rows = self._write_tier_history(company, ids, tz)
        self._reclassify(company, ids, installed)
        stage_rows = self._write_stage_history(company, ids, month_ends, tz)
        return stage_rows, tier_rows

    @api.model
    def _build_cards(self, company, ids):
        """``loop_rc_cards``: per customer and month, the cards as of its end.

        From the ledger (append-only, every change a move): a card's value and
        sessions on a day are the sums of its moves up to that day; it counts
        while it has value or sessions left and has not expired.
        """
        self.env.cr.execute(
            SQL(
                """CREATE TEMP TABLE loop_rc_cards ON COMMIT DROP AS
                   WITH moves AS (
                       SELECT c.id AS card_id, c.partner_id, c.kind, c.expiry_date,
                              date_trunc('month', mv.date)::date AS month,
                              SUM(mv.amount) AS amount, SUM(mv.sessions) AS sessions
                         FROM loop_card c
                         JOIN loop_card_move mv ON mv.card_id = c.id
                        WHERE c.company_id = %(company)s AND c.partner_id = ANY(%(ids)s)
                        GROUP BY 1, 2, 3, 4, 5
                   ), span AS (
                       SELECT card_id, partner_id, kind, expiry_date,
                              MIN(month) AS first
                         FROM moves GROUP BY 1, 2, 3, 4
                   ), grid AS (
                       SELECT s.card_id, s.partner_id, s.kind, s.expiry_date,
                              m::date AS month,
                              (m + interval '1 month' - interval '1 day')::date
                                  AS month_end
                         FROM span s,
                              generate_series(s.first::timestamp, %(last)s::timestamp,
                                              interval '1 month') m
                   ), running AS (
                       SELECT g.partner_id, g.kind, g.expiry_date, g.month, g.month_end,
                              SUM(COALESCE(mv.amount, 0)) OVER w AS balance,
                              SUM(COALESCE(mv.sessions, 0)) OVER w AS sessions
                         FROM grid g
                         LEFT JOIN moves mv
                                ON mv.card_id = g.card_id AND mv.month = g.month
                       WINDOW w AS (PARTITION BY g.card_id ORDER BY g.month)
                   )
                   SELECT partner_id, month,
                          MIN(month) OVER (PARTITION BY partner_id) AS first,
                          COALESCE(SUM(balance)
                                   FILTER (WHERE kind = 'value' AND live), 0)
                              AS balance,
                          COALESCE(SUM(sessions) FILTER (WHERE live), 0) AS sessions,
                          COUNT(*) FILTER (WHERE live AND (balance > 0 OR sessions > 0))
                              AS cards
                     FROM (SELECT r.*, (r.expiry_date IS NULL
                                        OR r.expiry_date >= r.month_end) AS live
                             FROM running r) x
                    GROUP BY partner_id, month""",
                company=company.id,
                ids=ids,
                last=company._loop_today(),
            )
        )

    @api.model
    def _build_figures(self, company, ids, tz):
        """``loop_rc``: the figures of each customer on each month-end.

        Same columns as ``loop_customer`` (so that the stage rules, compiled by
        the ORM for that table, read them) plus ``month_end`` and the tier's
        minimum spend. Month-ends run from the month of the customer's first
        visit or card to the last month-end before their first recorded
        history row (``cut``, UTC: the install day's entry); the stages are
        reconstructed up to ``stage_until``, the tiers up to ``tier_until``
        (a first recorded tier may start earlier, when it continues a
        reconstructed one).
        """
        bands = sorted(
            self.env["loop.tier"]._tier_bands(company), key=lambda band: -band[1]
        )

        def tier_of(spend):
            whens = [SQL("WHEN %s >= %s THEN %s", spend, m, t) for t, m in bands]
            return (
                SQL("CASE %s END", SQL(" ").join(whens))
                if bands
                else SQL("NULL::integer")
            )

        def minimum_of(tier):
            whens = [SQL("WHEN %s = %s THEN %s", tier, t, m) for t, m in bands]
            return SQL("CASE %s ELSE 0.0 END", SQL(" ").join(whens) if bands else SQL())

        def after_leap_year(day):
            # the 12 months before a Feb 28 start on Feb 29 of a leap year
            return SQL(
                """(to_char(%(day)s, 'MM-DD') = '02-28'
                    AND extract(day FROM make_date(extract(year FROM %(day)s)::int - 1,
                                                   3, 1) - 1) = 29)""",
                day=day,
            )

        self.env.cr.execute(
            SQL(
                """CREATE TEMP TABLE loop_rc ON COMMIT DROP AS
                        SELECT * FROM loop_customer WITH NO DATA;
                   ALTER TABLE loop_rc ADD COLUMN month_end date,
                                       ADD COLUMN cut timestamp,
                                       ADD COLUMN stage_until date,
                                       ADD COLUMN tier_until date,
                                       ADD COLUMN tier_min numeric,
                                       ADD COLUMN tier_up boolean""",
            )
        )
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """
                WITH cut AS MATERIALIZED (
                    SELECT m.partner_id, COALESCE(s.first, %(now)s) AS cut,
                           COALESCE(t.first, %(now)s) AS tier_cut
                      FROM loop_customer m
                      LEFT JOIN (SELECT partner_id, MIN(date) AS first
                                   FROM loop_stage_history
                                  WHERE company_id = %(company)s
                                    AND partner_id = ANY(%(ids)s)
                                    AND reconstructed IS NOT TRUE
                                  GROUP BY partner_id) s ON s.partner_id = m.partner_id
                      LEFT JOIN (SELECT partner_id, MIN(date) AS first
                                   FROM loop_tier_history
                                  WHERE company_id = %(company)s
                                    AND partner_id = ANY(%(ids)s)
                                    AND reconstructed IS NOT TRUE
                                  GROUP BY partner_id) t ON t.partner_id = m.partner_id
                     WHERE m.company_id = %(company)s AND m.partner_id = ANY(%(ids)s)
                ), months AS (
                    SELECT partner_id, date_trunc('month', day)::date AS month,
                           COUNT(*) FILTER (WHERE visit) AS visits,
                           SUM(amount) AS spend,
                           MIN(day) FILTER (WHERE visit) AS first_day,
                           MAX(day) FILTER (WHERE visit) AS last_day,
                           COUNT(*) FILTER (WHERE visit
                                            AND to_char(day, 'MM-DD') = '02-29')
                               AS tail_visits,
                           COALESCE(SUM(amount)
                                    FILTER (WHERE to_char(day, 'MM-DD') = '02-29'), 0)
                               AS tail_spend
                      FROM loop_rc_days GROUP BY 1, 2
                ), referred AS (
                    SELECT p.loop_referred_by_id AS partner_id,
                           date_trunc('month', r.first_visit)::date AS paid_month,
                           date_trunc('month', %(created)s)::date AS month
                      FROM res_partner p
                      JOIN loop_customer r
                        ON r.partner_id = p.id AND r.company_id = %(company)s
                     WHERE p.loop_referred_by_id = ANY(%(ids)s)
                ), referred_months AS (
                    SELECT partner_id, month, COUNT(*) AS referred,
                           0 AS paid FROM referred GROUP BY 1, 2
                    UNION ALL
                    SELECT partner_id, paid_month, 0, COUNT(*)
                      FROM referred WHERE paid_month IS NOT NULL GROUP BY 1, 2
                ), first_visit AS (
                    SELECT partner_id, MIN(month) AS first FROM months
                     WHERE visits > 0 GROUP BY partner_id
                ), first_card AS (
                    SELECT partner_id, MIN(first) AS first FROM loop_rc_cards
                     GROUP BY partner_id
                ), starts AS (
                    SELECT c.partner_id, c.cut,
                           %(stage_until)s AS stage_until, %(tier_until)s AS tier_until,
                           LEAST(v.first, k.first) AS first,
                           GREATEST(%(stage_until)s, %(tier_until)s) AS last_end
                      FROM cut c
                      LEFT JOIN first_visit v ON v.partner_id = c.partner_id
                      LEFT JOIN first_card k ON k.partner_id = c.partner_id
                ), grid AS (
                    SELECT s.partner_id, s.cut, s.stage_until, s.tier_until,
                           m::date AS month,
                           (m + interval '1 month' - interval '1 day')::date
                               AS month_end
                      FROM starts s,
                           generate_series(s.first::timestamp, s.last_end::timestamp,
                                           interval '1 month') m
                     WHERE s.first IS NOT NULL
                ), f AS (
                    SELECT g.partner_id, g.cut, g.stage_until, g.tier_until,
                           g.month, g.month_end,
                           SUM(COALESCE(b.visits, 0)) OVER w AS visits,
                           SUM(COALESCE(b.visits, 0)) OVER w12
                               + CASE WHEN %(leap)s
                                      THEN COALESCE(LAG(b.tail_visits, 12) OVER wo, 0)
                                      ELSE 0 END AS visits_12m,
                           SUM(COALESCE(b.spend, 0)) OVER w AS spend,
                           SUM(COALESCE(b.spend, 0)) OVER w12
                               + CASE WHEN %(leap)s
                                      THEN COALESCE(LAG(b.tail_spend, 12) OVER wo, 0)
                                      ELSE 0 END AS spend_12m,
                           MIN(b.first_day) OVER w AS first_visit,
                           MAX(b.last_day) OVER w AS last_visit,
                           COALESCE(rc.balance, 0) AS card_balance,
                           COALESCE(rc.sessions, 0) AS card_sessions,
                           COALESCE(rc.cards, 0) AS card_count,
                           SUM(COALESCE(rm.paid, 0)) OVER w AS referral_paid_count,
                           SUM(COALESCE(rm.referred, 0)) OVER w AS referral_count
                      FROM grid g
                      LEFT JOIN months b
                             ON b.partner_id = g.partner_id AND b.month = g.month
                      LEFT JOIN loop_rc_cards rc
                             ON rc.partner_id = g.partner_id AND rc.month = g.month
                      LEFT JOIN (SELECT partner_id, month, SUM(referred) AS referred,
                                        SUM(paid) AS paid
                                   FROM referred_months GROUP BY 1, 2) rm
                             ON rm.partner_id = g.partner_id AND rm.month = g.month
                    WINDOW wo AS (PARTITION BY g.partner_id ORDER BY g.month),
                           w AS (wo ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
                           w12 AS (wo ROWS BETWEEN 11 PRECEDING AND CURRENT ROW)
                ), d AS (
                    SELECT f.*,
                           CASE WHEN f.visits >= 2
                                THEN ROUND((f.last_visit - f.first_visit)::numeric
                                           / (f.visits - 1), 1)
                                ELSE 0 END AS interval,
                           f.month_end - f.last_visit AS days,
                           %(tier)s AS tier_id
                      FROM f
                ), t AS (
                    SELECT d.*, %(rank)s AS tier_min,
                           LAG(d.tier_id) OVER (PARTITION BY d.partner_id
                                                ORDER BY d.month) AS prev_tier
                      FROM d
                ), u AS (
                    SELECT t.*,
                           t.prev_tier IS NOT NULL AND t.tier_min > %(prev_rank)s
                               AS tier_up
                      FROM t
                )
                INSERT INTO loop_rc
                       (partner_id, company_id, month_end, cut, stage_until,
                        tier_until, visit_count,
                        visit_count_12m, spend_total, spend_12m, first_visit,
                        last_visit, avg_ticket, avg_interval, tier_id, tier_min,
                        tier_up, segment, health, recent_upgrade, card_balance,
                        card_sessions, card_count, referral_paid_count,
                        referral_count, prospect, active, stage_pinned)
                SELECT u.partner_id, %(company)s, u.month_end, u.cut, u.stage_until,
                       u.tier_until, u.visits,
                       u.visits_12m, ROUND(u.spend::numeric, 2),
                       ROUND(u.spend_12m::numeric, 2),
                       u.first_visit, u.last_visit,
                       CASE WHEN u.visits > 0
                            THEN ROUND((u.spend / u.visits)::numeric, 2)
                            ELSE 0 END,
                       u.interval, u.tier_id, u.tier_min, u.tier_up,
                       CASE WHEN u.visits = 0 THEN 'new'
                            WHEN ROUND((u.spend / u.visits)::numeric, 2) >= %(amount)s
                            THEN CASE WHEN u.visits_12m >= %(frequency)s
                                      THEN 'big' ELSE 'potential' END
                            WHEN u.visits_12m >= %(frequency)s THEN 'loyal'
                            ELSE 'occasional' END,
                       CASE WHEN u.last_visit IS NULL THEN 'none'
                            WHEN u.days > %(lost_days)s THEN 'lost'
                            WHEN u.days > GREATEST(%(min_days)s::numeric,
                                                   %(factor)s * u.interval)
                            THEN 'at_risk'
                            ELSE 'good' END,
                       bool_or(u.tier_up) OVER (
                           PARTITION BY u.partner_id ORDER BY u.month
                           ROWS BETWEEN 11 PRECEDING AND CURRENT ROW)
                       OR CASE WHEN %(leap_u)s
                               THEN COALESCE(LAG(u.tier_up, 12) OVER (
                                        PARTITION BY u.partner_id
                                        ORDER BY u.month), FALSE)
                               ELSE FALSE END,
                       u.card_balance, u.card_sessions, u.card_count,
                       u.referral_paid_count, u.referral_count,
                       u.visits = 0, TRUE, FALSE
                  FROM u
                """,
                company=company.id,
                ids=ids,
                now=now,
                created=SQL("p.create_date"),
                # the last month-end before the first recorded row (the first
                # recorded stage and the first recorded tier start apart)
                stage_until=SQL(
                    "date_trunc('month', (c.cut AT TIME ZONE 'UTC' AT TIME ZONE %s)"
                    ")::date - 1",
                    tz,
                ),
                tier_until=SQL(
                    "date_trunc('month', "
                    "(c.tier_cut AT TIME ZONE 'UTC' AT TIME ZONE %s)"
                    ")::date - 1",
                    tz,
                ),
                leap=after_leap_year(SQL("g.month_end")),
                leap_u=after_leap_year(SQL("u.month_end")),
                tier=tier_of(SQL("ROUND(f.spend_12m::numeric, 2)")),
                rank=minimum_of(SQL("d.tier_id")),
                prev_rank=minimum_of(SQL("t.prev_tier")),
                amount=company.loop_segment_amount,
                frequency=company.loop_segment_frequency,
                lost_days=company.loop_lost_days,
                min_days=company.loop_at_risk_min_days,
                factor=company.loop_at_risk_factor,
            )
        )

    # ---------------------------------------------------------------- stages
    @api.model
    def _stage_case(self, company, month_ends):
        """SQL of the stage each row of ``loop_rc`` (as ``loop_customer``) gets.

        The stage rules are compiled by the ORM for each month-end (a rule on
        the days since the last visit reads that day); the highest stage whose
        rule matches wins, the Lost stage when the health says so. A rule
        that needs a join cannot be evaluated on past figures: it never
        matches here (logged).
        """
        stages = self.env["loop.stage"].search([])
        lost = stages.filtered("is_lost")[:1]
        rules = [
            (stage, stage._rule_domain_list())
            for stage in stages.filtered(lambda s: not s.is_lost).sorted(
                "sequence", reverse=True
            )
        ]
        customers = self.env["loop.customer"].with_context(active_test=False)
        groups = {}
        for month_end in month_ends:
            compiled = []
            for stage, domain in rules:
                query = (
                    customers.with_context(loop_today=month_end)._search(domain)
                    if domain
                    else None
                )
                if query is None:
                    condition = SQL("TRUE")
                elif query.is_empty():
                    condition = SQL("FALSE")
                elif query.from_clause.code == SQL.identifier(customers._table).code:
                    condition = SQL("(%s)", query.where_clause or SQL("TRUE"))
                else:
                    _logger.warning(
                        "Five-Customer Loop: the rule of stage %s needs a join and "
                        "is not reconstructed",
                        stage.name,
                    )
                    condition = SQL("FALSE")
                compiled.append(SQL("WHEN %s THEN %s", condition, stage.id))
            case = SQL(
                "CASE %s %s END",
                SQL("WHEN loop_customer.health = 'lost' THEN %s", lost.id)
                if lost
                else SQL(),
                SQL(" ").join(compiled),
            )
            key = (case.code, tuple(map(str, case.params)))
            groups.setdefault(key, [case, []])[1].append(month_end)
        if len(groups) == 1:
            return next(iter(groups.values()))[0]
        return SQL(
            "CASE %s END",
            SQL(" ").join(
                SQL("WHEN loop_customer.month_end = ANY(%s) THEN %s", days, case)
                for case, days in groups.values()
            ),
        )

    @api.model
    def _first_recorded(self, table, company, ids, columns):
        """SQL filling ``loop_rc_first``: each customer's first recorded row.

        Of ``table`` (a history), with ``id, partner_id`` and ``columns``;
        analyzed, so that the joins that follow are planned on its real size.
        """
        return SQL(
            """CREATE TEMP TABLE loop_rc_first ON COMMIT DROP AS
                   SELECT DISTINCT ON (partner_id) id, partner_id, %(columns)s
                     FROM %(table)s
                    WHERE company_id = %(company)s AND partner_id = ANY(%(ids)s)
                      AND reconstructed IS NOT TRUE
                    ORDER BY partner_id, date, id;
               ANALYZE loop_rc_first""",
            columns=SQL(columns),
            table=SQL.identifier(table),
            company=company.id,
            ids=ids,
        )

    @api.model
    def _moment(self, column, tz):
        """SQL of the UTC moment ending the local day ``column``."""
        return SQL(
            "((%s + time '23:59:59') AT TIME ZONE %s) AT TIME ZONE 'UTC'", column, tz
        )

    @api.model
    def _write_stage_history(self, company, ids, month_ends, tz):
        """Stays of the reconstructed stages, joined to the first real row."""
        cr = self.env.cr
        cr.execute(
            SQL(
                """CREATE TEMP TABLE loop_rc_runs ON COMMIT DROP AS
                   WITH st AS (
                       SELECT partner_id, month_end, cut, %(case)s AS stage_id
                         FROM loop_rc AS loop_customer
                        WHERE month_end <= stage_until
                   ), ch AS (
                       SELECT st.*, LAG(stage_id) OVER w AS prev,
                              ROW_NUMBER() OVER w AS n
                         FROM st
                         WINDOW w AS (PARTITION BY partner_id ORDER BY month_end)
                   ), runs AS (
                       SELECT ch.*,
                              LEAD(month_end) OVER (PARTITION BY partner_id
                                                    ORDER BY month_end) AS next_end
                         FROM ch WHERE n = 1 OR prev IS DISTINCT FROM stage_id
                   )
                   SELECT partner_id, stage_id, prev, cut,
                          %(start)s AS date, %(end)s AS date_end,
                          next_end IS NULL AS last
                     FROM runs""",
                case=self._stage_case(company, month_ends),
                start=self._moment(SQL("month_end"), tz),
                end=SQL("COALESCE(%s, cut)", self._moment(SQL("next_end"), tz)),
            )
        )
        # stored text: in the language of who runs it, else the company's
        lang = self.env.context.get("lang") or company.partner_id.lang
        reason = self.with_context(lang=lang).env._(
            "Stay reconstructed from the order history"
        )
        # The first real row, an entry "from nothing": the same stage continues
        # the last reconstructed stay (the row starts where it began), another
        # stage is a move from it.
        cr.execute(SQL("ANALYZE loop_rc_runs"))
        cr.execute(
            SQL(
                """%(first)s;
                   CREATE TEMP TABLE loop_rc_link ON COMMIT DROP AS
                   SELECT f.id, f.partner_id, f.stage_to_id, f.date AS old_date,
                          r.stage_id = f.stage_to_id AS same, r.date, r.prev,
                          r.stage_id
                     FROM loop_rc_first f
                     JOIN loop_rc_runs r ON r.partner_id = f.partner_id AND r.last
                    WHERE f.stage_from_id IS NULL AND r.stage_id IS NOT NULL;
                   UPDATE loop_stage_history h
                      SET date = CASE WHEN k.same THEN k.date ELSE h.date END,
                          stage_from_id = CASE WHEN k.same THEN k.prev
                                               ELSE k.stage_id END,
                          reason = CASE WHEN k.same
                                        THEN COALESCE(h.reason || ' · ', '')
                                             || %(reason)s
                                        ELSE h.reason END
                     FROM loop_rc_link k WHERE h.id = k.id;
                   UPDATE loop_customer m SET stage_date = k.date
                     FROM loop_rc_link k
                    WHERE k.same AND m.partner_id = k.partner_id
                      AND m.company_id = %(company)s
                      AND m.stage_id = k.stage_to_id AND m.stage_date = k.old_date;
                   DELETE FROM loop_rc_runs r USING loop_rc_link k
                    WHERE k.same AND r.partner_id = k.partner_id AND r.last;
                   DROP TABLE loop_rc_link;
                   DROP TABLE loop_rc_first""",
                first=self._first_recorded(
                    "loop_stage_history",
                    company,
                    ids,
                    "stage_to_id, stage_from_id, date",
                ),
                company=company.id,
                reason=reason,
            )
        )
        uid = self.env.uid
        cr.execute(
            SQL(
                """INSERT INTO loop_stage_history
                       (partner_id, company_id, stage_from_id, stage_to_id, date,
                        date_end, kind, reconstructed,
                        create_uid, create_date, write_uid, write_date)
                   SELECT partner_id, %(company)s, prev, stage_id, date, date_end,
                          'auto', TRUE, %(uid)s, %(now)s, %(uid)s, %(now)s
                     FROM loop_rc_runs WHERE stage_id IS NOT NULL""",
                company=company.id,
                uid=uid,
                now=fields.Datetime.now(),
            )
        )
        return cr.rowcount

    # ----------------------------------------------------------------- tiers
    @api.model
    def _write_tier_history(self, company, ids, tz):
        """Tier changes at the month-ends, joined to the first real row."""
        cr = self.env.cr
        cr.execute(
            SQL(
                """CREATE TEMP TABLE loop_rc_tiers ON COMMIT DROP AS
                   WITH ch AS (
                       SELECT partner_id, month_end, tier_id, tier_min, spend_12m,
                              LAG(tier_id) OVER w AS prev,
                              LAG(tier_min) OVER w AS prev_min
                         FROM loop_rc WHERE month_end <= tier_until
                       WINDOW w AS (PARTITION BY partner_id ORDER BY month_end)
                   ), changes AS (
                       SELECT ch.*, ROW_NUMBER() OVER (PARTITION BY partner_id
                                                       ORDER BY month_end DESC) AS back
                         FROM ch
                        WHERE prev IS DISTINCT FROM tier_id
                   )
                   SELECT c.partner_id, c.prev, c.tier_id, c.spend_12m,
                          %(moment)s AS date,
                          CASE WHEN c.prev IS NULL THEN 'new'
                               WHEN c.tier_min > c.prev_min THEN 'up'
                               ELSE 'down' END AS direction,
                          c.back = 1 AS last_change
                     FROM changes c
                    WHERE NOT (c.prev IS NULL AND c.tier_id IS NULL)""",
                moment=self._moment(SQL("c.month_end"), tz),
            )
        )
        cr.execute(SQL("ANALYZE loop_rc_tiers"))
        # the first recorded tier, a "first tier" entry: the same tier continues
        # the last reconstructed one (the row starts at that change), another
        # tier is a change from the last reconstructed one
        cr.execute(
            SQL(
                """%(first)s;
                   CREATE TEMP TABLE loop_rc_link ON COMMIT DROP AS
                   WITH final AS (
                       -- the tier of the last reconstructed month-end
                       SELECT DISTINCT ON (partner_id) partner_id,
                              tier_id AS final_tier, tier_min AS final_min
                         FROM loop_rc WHERE month_end <= tier_until
                        ORDER BY partner_id, month_end DESC
                   )
                   SELECT f.id, f.partner_id, z.final_tier = f.tier_to_id AS same,
                          r.date, r.prev, r.direction, r.spend_12m, z.final_tier,
                          CASE WHEN COALESCE(t.min_spend, 0) > z.final_min THEN 'up'
                               ELSE 'down' END AS change
                     FROM loop_rc_first f
                     JOIN final z ON z.partner_id = f.partner_id
                     LEFT JOIN loop_rc_tiers r
                            ON r.partner_id = f.partner_id AND r.last_change
                     LEFT JOIN loop_tier t ON t.id = f.tier_to_id
                    WHERE f.tier_from_id IS NULL AND f.direction = 'new'
                      AND z.final_tier IS NOT NULL
                      AND (z.final_tier <> f.tier_to_id OR r.partner_id IS NOT NULL);
                   UPDATE loop_tier_history h
                      SET date = CASE WHEN k.same THEN k.date ELSE h.date END,
                          spend_12m = CASE WHEN k.same THEN k.spend_12m
                                           ELSE h.spend_12m END,
                          tier_from_id = CASE WHEN k.same THEN k.prev
                                              ELSE k.final_tier END,
                          direction = CASE WHEN k.same THEN k.direction
                                           ELSE k.change END
                     FROM loop_rc_link k WHERE h.id = k.id;
                   DELETE FROM loop_rc_tiers r USING loop_rc_link k
                    WHERE k.same AND r.partner_id = k.partner_id AND r.last_change;
                   DROP TABLE loop_rc_link;
                   DROP TABLE loop_rc_first""",
                first=self._first_recorded(
                    "loop_tier_history",
                    company,
                    ids,
                    "tier_to_id, tier_from_id, direction",
                ),
            )
        )
        cr.execute(
            SQL(
                """INSERT INTO loop_tier_history
                       (partner_id, company_id, tier_from_id, tier_to_id, date,
                        direction, spend_12m, reconstructed,
                        create_uid, create_date, write_uid, write_date)
                   SELECT partner_id, %(company)s, prev, tier_id, date, direction,
                          spend_12m, TRUE, %(uid)s, %(now)s, %(uid)s, %(now)s
                     FROM loop_rc_tiers""",
                company=company.id,
                uid=self.env.uid,
                now=fields.Datetime.now(),
            )
        )
        return cr.rowcount

    # -------------------------------------------------------------- today
    @api.model
    def _reclassify(self, company, ids, installed=None):
        """Recompute the customers whose "upgraded in 12 months" flag changed.

        A reconstructed upgrade within the last 12 months makes the customer a
        recent upgrader today, which the Upgrade stage's rule reads. When the
        stage they entered the loop with was recorded by the install's
        recompute (since ``installed``), the new stage replaces that entry.
        """
        today = company._loop_today()
        changed = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """SELECT m.partner_id FROM loop_customer m
                        WHERE m.company_id = %(company)s AND m.partner_id = ANY(%(ids)s)
                          AND COALESCE(m.recent_upgrade, FALSE)
                              IS DISTINCT FROM EXISTS (
                              SELECT 1 FROM loop_tier_history h
                               WHERE h.partner_id = m.partner_id
                                 AND h.company_id = %(company)s
                                 AND h.direction = 'up' AND h.date >= %(start)s)""",
                    company=company.id,
                    ids=ids,
                    start=loop_rules.window_start(today),
                )
            )
        ]
        engine = self.env["loop.engine"]
        size = engine._batch_size()
        for start in range(0, len(changed), size):
            engine._classify(company, changed[start : start + size], today)
        if changed and installed:
            self.env["loop.stage.history"].flush_model()
            self.env.cr.execute(
                SQL(
                    """WITH void AS (
                           DELETE FROM loop_stage_history
                            WHERE company_id = %(company)s
                              AND partner_id = ANY(%(ids)s)
                              AND reconstructed IS NOT TRUE
                              AND stage_from_id IS NULL AND date >= %(installed)s
                              AND date_end IS NOT NULL
                        RETURNING partner_id, date, date_end
                       )
                       UPDATE loop_stage_history h
                          SET stage_from_id = NULL, date = v.date
                         FROM void v
                        WHERE h.partner_id = v.partner_id AND h.date = v.date_end
                          AND h.company_id = %(company)s
                          AND h.reconstructed IS NOT TRUE""",
                    company=company.id,
                    ids=changed,
                    installed=installed,
                )
            )
            self.env.cr.execute(
                SQL(
                    """UPDATE loop_customer m SET stage_date = h.date
                         FROM loop_stage_history h
                        WHERE m.company_id = %(company)s
                          AND m.partner_id = ANY(%(ids)s)
                          AND h.partner_id = m.partner_id
                          AND h.company_id = m.company_id AND h.date_end IS NULL
                          AND h.stage_from_id IS NULL AND h.date >= %(installed)s
                          AND m.stage_date IS DISTINCT FROM h.date""",
                    company=company.id,
                    ids=changed,
                    installed=installed,
                )
            )
