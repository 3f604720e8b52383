"""The batch engine of the loop: statistics, tier, segment, health and stage.

One code path serves the nightly full run and the immediate refresh of a few
customers (after a paid order, a card move, a care record): both work on a
batch of partner ids with a fixed number of queries per batch and company,
whatever the batch size. Figures live in ``loop.customer`` (one row per
customer and company) and are written with one statement per batch that
touches only the rows whose values changed.
"""

import json
import logging
import time
from operator import itemgetter

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib import loop_rules
from ..lib.loop_sql import in_ids, no_lines, no_orders, visit_days
from .loop_customer import COLUMNS
from .res_partner import STAT_FIELDS

# what the statistics phase writes: the consumption archive, the orders'
# digest, the cards (``_add_card_figures``)
STAT_WRITES = (
    *STAT_FIELDS,
    "loop_orders_digest",
    "loop_card_balance",
    "loop_card_sessions",
    "loop_card_count",
)

_logger = logging.getLogger(__name__)

RUN_FIELDS = ("day", "phase", "cursor", "done", "total")
PHASES = ("stats", "classify")


# a value the caller does not write: never equal to a stored one
_ABSENT = object()
# what the classification writes, in the order it compares them
CLASSIFY_WRITES = (
    "loop_tier_id",
    "loop_segment",
    "loop_health",
    "loop_referral_paid_count",
    "loop_referral_count",
    "loop_referral_value_12m",
    "loop_referral_value_total",
)
# a customer nobody was referred by
_NO_REFERRALS = (0, 0, 0.0, 0.0)


def _as_written(column, alias=None):
    """SQL reading ``loop_customer.column`` as the engine writes its values."""
    ident = SQL.identifier(alias, column) if alias else SQL.identifier(column)
    kind = COLUMNS[column]
    if kind == "date":
        return SQL("to_char(%s, 'YYYY-MM-DD')", ident)
    if kind == "numeric":
        return SQL("%s::float8", ident)
    return ident


class LoopEngine(models.AbstractModel):
    _name = "loop.engine"
    _description = "Five-Customer Loop Engine"

    # ------------------------------------------------------------------ writing
    @api.model
    def _write_company_values(self, company, values_by_partner):
        """Write figures of ``company``: ``{partner_id: {loop_<column>: value}}``.

        Into ``loop.customer``, the figures' one home (the partner's field
        ``loop_x`` is the row's column ``x``). One statement per distinct set
        of columns (in practice one per call): existing rows are updated where
        a value differs, missing rows inserted (not when every value written is
        empty). Returns how many rows changed.
        """
        by_fields = {}
        for partner_id, values in values_by_partner.items():
            by_fields.setdefault(tuple(sorted(values)), []).append((partner_id, values))
        Customer = self.env["loop.customer"]
        self.env["res.partner"].flush_model(["complete_name", "active", "loop_user_id"])
        Customer.flush_model()
        now = fields.Datetime.now()
        changed = []
        for names, rows in by_fields.items():
            cols = [name.removeprefix("loop_") for name in names]
            payload = [
                {
                    "partner_id": pid,
                    **{n.removeprefix("loop_"): v for n, v in vals.items()},
                }
                for pid, vals in rows
            ]
            ident = [SQL.identifier(col) for col in cols]
            self.env.cr.execute(
                SQL(
                    """WITH v AS (
                           SELECT * FROM jsonb_to_recordset(%(payload)s::jsonb)
                                  AS v(partner_id integer, %(types)s)
                       ), changed AS (
                           UPDATE loop_customer AS m
                              SET %(updates)s, write_uid = %(uid)s, write_date = %(now)s
                             FROM v
                            WHERE m.partner_id = v.partner_id
                              AND m.company_id = %(company)s
                              AND (%(old)s) IS DISTINCT FROM (%(new)s)
                        RETURNING m.partner_id
                       ), added AS (
                           INSERT INTO loop_customer AS m
                                  (partner_id, company_id, name, active, user_id,
                                   %(cols)s,
                                   create_uid, create_date, write_uid, write_date)
                           SELECT v.partner_id, %(company)s, p.complete_name, p.active,
                                  p.loop_user_id, %(new)s,
                                  %(uid)s, %(now)s, %(uid)s, %(now)s
                             FROM v JOIN res_partner p ON p.id = v.partner_id
                            WHERE num_nonnulls(%(new)s) > 0
                              AND NOT EXISTS (SELECT 1 FROM loop_customer o
                                               WHERE o.partner_id = v.partner_id
                                                 AND o.company_id = %(company)s)
                           ON CONFLICT (partner_id, company_id) DO UPDATE
                              SET %(excluded)s,
                                  write_uid = %(uid)s, write_date = %(now)s
                        RETURNING m.partner_id
                       )
                       SELECT partner_id FROM changed
                       UNION ALL SELECT partner_id FROM added""",
                    payload=json.dumps(payload, default=str),
                    types=SQL(", ").join(
                        SQL("%s %s", SQL.identifier(col), SQL(COLUMNS[col]))
                        for col in cols
                    ),
                    updates=SQL(", ").join(SQL("%s = v.%s", i, i) for i in ident),
                    old=SQL(", ").join(SQL("m.%s", i) for i in ident),
                    new=SQL(", ").join(SQL("v.%s", i) for i in ident),
                    cols=SQL(", ").join(ident),
                    excluded=SQL(", ").join(
                        SQL("%s = EXCLUDED.%s", i, i) for i in ident
                    ),
                    uid=self.env.uid,
                    now=now,
                    company=company.id,
                )
            )
            changed.extend(row[0] for row in self.env.cr.fetchall())
        if changed:
            # raw SQL: tell the ORM. The rows' cache goes; the partners whose row
            # changed are marked modified, so their figures (computed from the
            # rows) and anything depending on them are recomputed, without
            # reading the rows back.
            Customer.invalidate_model()
            self.env["res.partner"].invalidate_model(["loop_customer_ids"])
            self.env["res.partner"].browse(changed).modified(["loop_customer_ids"])
        return len(changed)

    @api.model
    def _figures(self, company, ids, columns, as_written=False):
        """``{partner_id: (column values...)}`` of ``ids`` in ``company``.

        ``as_written``: the values in the form the engine writes them (dates as
        ISO strings, amounts as floats), for a plain comparison.
        """
        self.env["loop.customer"].flush_model(columns)
        read = _as_written if as_written else SQL.identifier
        rows = self.env.execute_query(
            SQL(
                """SELECT partner_id, %s FROM loop_customer
                    WHERE company_id = %s AND %s""",
                SQL(", ").join(read(col) for col in columns),
                company.id,
                in_ids(SQL("partner_id"), ids),
            )
        )
        return {row[0]: row[1:] for row in rows}

    # --------------------------------------------------------------- candidates
    @api.model
    def _candidates(self, company, ids, orders=True):
        """Partners of ``ids`` that take part in the loop of ``company``.

        Those with a stage or figures there already, those with a paid order of
        any source (POS, and sale orders when the bridge is installed), card
        holders (a card issued in the back office locks a customer in before
        their first paid order), and prospects (DOMAIN "Prospects"): people
        with a booking in this company, people referred by a customer of its
        loop, people entered with an acquisition channel (contacts of this
        company, or shared contacts entered by a user of this company: a shared
        contact is not everyone's prospect). A plain contact has none of these.

        ``orders=False`` leaves out the paid orders, for a caller that has read
        them already (the statistics do: scanning the orders twice is the
        costliest part of a batch).
        """
        rows = self.env.execute_query(
            SQL(
                "SELECT p.id FROM res_partner p WHERE %s AND %s ORDER BY p.id",
                in_ids(SQL("p.id"), ids),
                self._candidate_condition(company, ids, orders=orders),
            )
        )
        return [row[0] for row in rows]

    @api.model
    def _candidate_condition(self, company, ids, orders=True):
        """SQL condition on ``res_partner p`` of ``ids``: p is a candidate
        (``_candidates``), for the queries that read the candidates' rows."""
        self.env["loop.card"].flush_model(["partner_id", "company_id"])
        self.env["loop.customer"].flush_model(["partner_id", "company_id"])
        self.env["calendar.event"].flush_model(
            ["loop_partner_id", "loop_company_id", "is_loop_booking"]
        )
        self.env["res.partner"].flush_model(
            ["loop_referred_by_id", "loop_channel_id", "company_id"]
        )
        paid = SQL()
        if orders:
            paid = SQL(
                "OR p.id IN (SELECT src.partner_id FROM (%s) src)",
                self._paid_orders(company, ids),
            )
        return SQL(
            """(p.id IN (SELECT m.partner_id FROM loop_customer m
                              WHERE m.company_id = %(company)s
                                AND %(members)s)
                       %(paid)s
                       OR p.id IN (SELECT c.partner_id FROM loop_card c
                                    WHERE c.company_id = %(company)s
                                      AND %(cards)s)
                       OR p.id IN (SELECT e.loop_partner_id FROM calendar_event e
                                    WHERE %(bookings)s
                                      AND e.is_loop_booking
                                      AND e.loop_company_id = %(company)s)
                       OR EXISTS (SELECT 1 FROM loop_customer r
                                   WHERE r.partner_id = p.loop_referred_by_id
                                     AND r.company_id = %(company)s)
                       OR (p.loop_channel_id IS NOT NULL
                           AND COALESCE(p.company_id,
                                        (SELECT u.company_id FROM res_users u
                                          WHERE u.id = p.create_uid))
                               = %(company)s))""",
            members=in_ids(SQL("m.partner_id"), ids),
            cards=in_ids(SQL("c.partner_id"), ids),
            bookings=in_ids(SQL("e.loop_partner_id"), ids),
            company=company.id,
            paid=paid,
        )

    # ------------------------------------------------------------------ statistics
    @api.model
    def _order_sources(
        self, company, ids=None, since=None, until=None, store=False, at=False
    ):
        """SQL selecting ``(partner_id, day, amount, order_id, source, refund_of)``.

        One row per paid order of ``company`` with a customer: ``day`` is its
        local day, ``amount`` is signed (refunds are negative) and in company
        currency, ``refund_of`` is the order of the same source a refund takes
        back (NULL otherwise). ``ids``: the customers (None: all of them);
        ``since``/``until``: the orders paid from/before these UTC moments
        only (bounds that let the database skip the other orders: callers
        filter the local days); ``store``: also ``store_id``, the till's POS
        config (NULL for a source without one), after ``partner_id``; ``at``:
        also ``at``, the moment (UTC) the order was paid, after them, to tell
        the orders of a day apart. The loop itself has no orders:
        bridges add their sources (``five_customer_loop_pos`` the till's,
        ``five_customer_loop_sale`` the sale orders); each source flushes what
        it reads.
        """
        return []

    @api.model
    def _paid_orders(
        self, company, ids=None, since=None, until=None, store=False, at=False
    ):
        """SQL of the paid orders of ``company``, every source at once
        (``_order_sources`` joined, same parameters), as ``visit_days`` reads
        them: the one definition of a visit for every figure and measure."""
        sources = self._order_sources(
            company, ids, since=since, until=until, store=store, at=at
        )
        return SQL(" UNION ALL ").join(sources or [no_orders(store, at)])

    @api.model
    def _line_sources(self, orders):
        """SQL selecting ``(partner_id, day, product_id, qty)`` of the sold
        lines of the paid orders ``orders`` (the name of a table of
        ``_order_sources`` rows, already read: the lines join them on their
        order and source). Each source flushes what it reads; bridges add
        theirs.
        """
        return []

    @api.model
    def _paid_lines(self):
        """SQL of the sold lines of the paid orders in the table ``orders``
        (a CTE of ``_paid_orders`` rows), every source at once
        (``_line_sources`` joined)."""
        sources = self._line_sources(SQL.identifier("orders"))
        return SQL(" UNION ALL ").join(sources or [no_lines()])

    @api.model
    def _products_bought(self, company, ids):
        """``[(partner_id, product_id, quantity)]``: what ``ids`` bought in
        ``company``, every source, refunds left out."""
        orders = self._paid_orders(company, ids)
        lines = self._paid_lines()
        return self.env.execute_query(
            SQL(
                """WITH orders AS MATERIALIZED (%s)
                   SELECT partner_id, product_id, SUM(qty)
                     FROM (%s) l GROUP BY partner_id, product_id""",
                orders,
                lines,
            )
        )

    @api.model
    def _stats_query(self, company, ids, today, digest=False):
        """SQL of the visits and spend of ``ids`` in ``company``, one row each.

        ``(partner_id, first visit, last visit, visits, visits in 12 months,
        spend, 12-month spend)``: a visit is a local day whose paid orders,
        net of their refunds, are still positive (``lib.loop_sql.visit_days``).
        The benchmark times this query alone as the engine's floor.

        ``digest``: two more columns, the digest of the customer's paid orders
        (how many, the sum of their ids and the XOR of their hashes: an order
        in or out changes it) and whether some of them may still change
        (sources other than ``_fixed_sources``), summed from the same days.
        """
        orders = self._paid_orders(company, ids)
        extra = SQL()
        if digest:
            extra = SQL(
                """, concat_ws(':', SUM(order_count), SUM(order_sum),
                               bit_xor(order_hash)),
                     bool_or(open)"""
            )
        return SQL(
            """WITH days AS (%(days)s)
               SELECT partner_id,
                      MIN(day) FILTER (WHERE visit),
                      MAX(day) FILTER (WHERE visit),
                      COUNT(*) FILTER (WHERE visit),
                      COUNT(*) FILTER (WHERE visit AND day >= %(start)s),
                      SUM(amount),
                      COALESCE(SUM(amount) FILTER (WHERE day >= %(start)s), 0)
                      %(extra)s
                 FROM days GROUP BY partner_id""",
            days=visit_days(orders, fixed=self._fixed_sources() if digest else None),
            start=loop_rules.window_start(today),
            extra=extra,
        )

    @api.model
    def _repurchase_query(self, company, ids):
        """SQL of ``(partner_id, repurchase rate)`` of ``ids`` in ``company``:
        the share of the products bought on two days or more."""
        orders = self._paid_orders(company, ids)
        lines = self._paid_lines()
        return SQL(
            """WITH orders AS MATERIALIZED (%(orders)s),
                    -- bought on two days or more: its first and last day differ
                    bought AS (SELECT partner_id, MIN(day) <> MAX(day) AS again
                                 FROM (%(lines)s) l GROUP BY partner_id, product_id)
               SELECT partner_id, 100.0 * COUNT(*) FILTER (WHERE again) / COUNT(*)
                 FROM bought GROUP BY partner_id""",
            orders=orders,
            lines=lines,
        )

    @api.model
    def _fixed_sources(self):
        """The order sources whose paid orders never change (bridges add
        theirs: a paid POS order's lines are final, a refund is an order of
        its own)."""
        return ()

    @api.model
    def _order_models(self):
        """``{source: model}``: the model of each order source's orders
        (bridges add theirs)."""
        return {}

    @api.model
    def _compute_stats(self, company, ids, today):
        """Consumption archive of the partners of ``ids`` in the loop of ``company``.

        Returns those partners (``_candidates``): the ones with paid orders
        come from the statistics themselves, the others from one more query
        that does not scan the orders again and reads the stored rows too.
        """
        if not ids:
            return []
        rows = self.env.execute_query(
            self._stats_query(company, ids, today, digest=True)
        )
        stats = {row[0]: row[1:] for row in rows}
        names = tuple(sorted(STAT_WRITES))
        candidates, current = self._candidates_and_rows(company, ids, names)
        ids = sorted(set(stats).union(candidates))
        if not ids:
            return []
        # The repurchase rate reads the order lines: only for the customers
        # whose orders changed since their rate was stored (another digest),
        # or who have orders that may still change; the others keep theirs.
        at_digest = names.index("loop_orders_digest")
        at_rate = names.index("loop_repurchase_rate")
        kept, stale = {}, []
        for pid, row in stats.items():
            stored = current.get(pid)
            if not row[7] and stored and stored[at_digest] == row[6]:
                kept[pid] = stored[at_rate]
            else:
                stale.append(pid)
        rates = (
            dict(self.env.execute_query(self._repurchase_query(company, stale)))
            if stale
            else {}
        )
        values = {}
        for pid in ids:
            first, last, visits, visits_12m, spend, spend_12m, digest, _open = (
                stats.get(pid, (None, None, 0, 0, 0.0, 0.0, None, False))
            )
            repurchase = kept[pid] if pid in kept else rates.get(pid, 0.0)
            interval = loop_rules.average_interval(first, last, visits)
            nxt = loop_rules.next_visit(last, interval)
            values[pid] = {
                # no paid visit yet: a prospect (written empty otherwise, as
                # every false flag, so an unchanged row is not rewritten)
                "loop_prospect": (not visits) or None,
                "loop_first_visit": first and first.isoformat(),
                "loop_last_visit": last and last.isoformat(),
                "loop_visit_count": visits,
                "loop_visit_count_12m": visits_12m,
                "loop_spend_total": round(float(spend or 0.0), 2),
                "loop_spend_12m": round(float(spend_12m or 0.0), 2),
                "loop_avg_ticket": round(float(spend or 0.0) / visits, 2)
                if visits
                else 0.0,
                "loop_avg_interval": round(interval, 1),
                "loop_next_visit": nxt and nxt.isoformat(),
                "loop_repurchase_rate": round(float(repurchase or 0.0), 1),
                "loop_orders_digest": digest,
            }
        assert set(next(iter(values.values()))) == {*STAT_FIELDS, "loop_orders_digest"}
        values = self._add_card_figures(company, ids, values)
        changed = self._changed(company, values, current=(names, current))
        self._write_company_values(company, changed)
        return ids

    @api.model
    def _candidates_and_rows(self, company, ids, names):
        """The candidates of ``ids`` (``_candidates`` without the orders), and
        the stored ``names`` of every row of ``ids``, read as written
        (``_changed``): one read of the batch's partners for both."""
        self.env["loop.customer"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """SELECT p.id, %(candidate)s, m.id IS NOT NULL, %(columns)s
                     FROM res_partner p
                     LEFT JOIN loop_customer m
                            ON m.partner_id = p.id AND m.company_id = %(company)s
                           AND %(rows)s
                    WHERE %(ids)s""",
                candidate=self._candidate_condition(company, ids, orders=False),
                columns=SQL(", ").join(
                    _as_written(name.removeprefix("loop_"), "m") for name in names
                ),
                company=company.id,
                rows=in_ids(SQL("m.partner_id"), ids),
                ids=in_ids(SQL("p.id"), ids),
            )
        )
        candidates = [row[0] for row in rows if row[1]]
        return candidates, {row[0]: row[3:] for row in rows if row[2]}

    @api.model
    def _changed(self, company, values_by_partner, current=None):
        """The part of ``values_by_partner`` that differs from the stored rows.

        A night changes few figures (a few hundred rows in 100,000): reading
        the rows once and sending only what changed costs less than sending
        every row for the database to compare. The rows are read as the engine
        writes them (dates as ISO strings, amounts as floats rounded as
        written), so that a plain comparison of values decides; the write
        compares again. ``current``: ``(names, {partner_id: values})`` when the
        caller read the rows already (read again when its names differ).
        """
        names = tuple(sorted(set().union(*values_by_partner.values())))
        if current and current[0] == names:
            current = current[1]
        else:
            current = self._figures(
                company,
                values_by_partner,
                [name.removeprefix("loop_") for name in names],
                as_written=True,
            )
        getter = itemgetter(*names)

        def written(values):
            try:
                value = getter(values)
            except KeyError:
                value = tuple(values.get(name, _ABSENT) for name in names)
            return value if len(names) > 1 else (value,)

        return {
            pid: values
            for pid, values in values_by_partner.items()
            if current.get(pid) != written(values)
        }

    @api.model
    def _add_card_figures(self, company, ids, values):
        """Hook: the prepaid cards add their balances to the figures of ``ids``.

        Over the active, unexpired cards of ``company``: stored value left
        (stored-value cards), sessions left, and the number of cards with value
        or sessions left. One query per batch.
        """
        self.env["loop.card"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """SELECT partner_id,
                          COALESCE(SUM(balance) FILTER (WHERE kind = 'value'), 0),
                          COALESCE(SUM(sessions_left), 0),
                          COUNT(*) FILTER (WHERE balance > 0 OR sessions_left > 0)
                     FROM loop_card
                    WHERE company_id = %(company)s AND %(ids)s
                      AND state = 'active'
                      AND (expiry_date IS NULL OR expiry_date >= %(today)s)
                    GROUP BY partner_id""",
                company=company.id,
                ids=in_ids(SQL("partner_id"), ids),
                today=self.env["loop.card"]._today(company),
            )
        )
        cards = {row[0]: row[1:] for row in rows}
        for pid in ids:
            balance, sessions, count = cards.get(pid, (0.0, 0, 0))
            values.setdefault(pid, {}).update(
                loop_card_balance=round(float(balance), 2),
                loop_card_sessions=int(sessions),
                loop_card_count=int(count),
            )
        return values

    # ------------------------------------------------------------------- medians
    @api.model
    def _update_segment_thresholds(self, companies):
        """Median average ticket and 12-month visits of active customers."""
        for company in companies.filtered(lambda c: c.loop_segment_mode == "median"):
            amount, frequency = self.env.execute_query(
                SQL(
                    """SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY avg_ticket),
                              percentile_cont(0.5) WITHIN GROUP
                                  (ORDER BY visit_count_12m)
                         FROM loop_customer
                        WHERE company_id = %s AND visit_count_12m >= 1""",
                    company.id,
                )
            )[0]
            company.write(
                {
                    "loop_segment_amount": round(amount or 0.0, 2),
                    "loop_segment_frequency": round(frequency or 0.0, 2),
                }
            )

    # -------------------------------------------------------------- classification
    @api.model
    def _classify(self, company, ids, today, candidates=False):
        """Tier, segment, health, referral count and stage of ``ids``.

        ``candidates``: of the candidates among ``ids`` (``_candidates``
        without the orders, which gave their rows in the statistics phase),
        found by the same read.
        """
        if not ids:
            return 0
        self.env["loop.customer"].flush_model()
        self.env["res.partner"].flush_model(["loop_user_id", "loop_referred_by_id"])
        read = self.env.execute_query(
            SQL(
                """SELECT p.id, m.visit_count, m.visit_count_12m,
                          m.spend_12m::float, m.avg_ticket::float,
                          m.avg_interval::float, m.last_visit, m.tier_id,
                          m.segment, m.health, p.loop_user_id,
                          m.referral_paid_count, m.recent_upgrade, m.stage_id,
                          m.stage_pinned, m.referral_count,
                          m.referral_value_12m::float,
                          m.referral_value_total::float
                     FROM res_partner p
                     LEFT JOIN loop_customer m
                            ON m.partner_id = p.id AND m.company_id = %(company)s
                           AND %(rows)s
                    WHERE %(ids)s AND %(candidate)s""",
                company=company.id,
                ids=in_ids(SQL("p.id"), ids),
                # the same condition on the rows: read over their range too
                rows=in_ids(SQL("m.partner_id"), ids),
                candidate=self._candidate_condition(company, ids, orders=False)
                if candidates
                else SQL("TRUE"),
            )
        )
        # the last visit (column 6) becomes the days since it, as of ``today``
        rows = [
            (*row[:6], (today - row[6]).days if row[6] else None, *row[7:])
            for row in read
        ]
        if candidates:
            ids = [row[0] for row in rows]
            if not ids:
                return 0
        # referred customers in this company's loop (a row there: prospects
        # included, read after this batch's statistics wrote theirs): paying
        # ones, all, and their spend attributed to the referrer
        referrals = {
            row[0]: row[1:]
            for row in self.env.execute_query(
                SQL(
                    """SELECT p.loop_referred_by_id,
                              COUNT(*) FILTER (WHERE m.visit_count >= 1), COUNT(*),
                              COALESCE(SUM(m.spend_12m), 0),
                              COALESCE(SUM(m.spend_total), 0)
                         FROM res_partner p
                         JOIN loop_customer m
                           ON m.partner_id = p.id AND m.company_id = %(company)s
                        WHERE %(ids)s
                        GROUP BY p.loop_referred_by_id""",
                    ids=in_ids(SQL("p.loop_referred_by_id"), ids),
                    company=company.id,
                )
            )
        }
        bands = self.env["loop.tier"]._tier_bands(company)
        minimum = dict(bands)
        # the company's settings, read once (not once per customer)
        risk = (
            company.loop_at_risk_min_days,
            company.loop_at_risk_factor,
            company.loop_lost_days,
        )
        thresholds = (company.loop_segment_amount, company.loop_segment_frequency)
        tier_for, health_for, segment_for = (
            loop_rules.tier_for_spend,
            loop_rules.health_for,
            loop_rules.segment_for,
        )
        healths, tier_changes, new_risks, changed = {}, [], [], {}
        for (
            pid,
            visits,
            visits_12m,
            spend_12m,
            ticket,
            interval,
            days,
            tier,
            segment,
            health,
            user,
            paid_referrals,
            _recent,
            _stage,
            _pinned,
            referred_count,
            referred_value_12m,
            referred_value,
        ) in rows:
            new_tier = tier_for(spend_12m or 0.0, bands) or None
            new_health = healths[pid] = health_for(days, interval, *risk)
            paying, referred, value_12m, value = referrals.get(pid, _NO_REFERRALS)
            # compared as tuples; a dict only for the few rows that change
            new = (
                new_tier,
                segment_for(visits or 0, visits_12m or 0, ticket or 0.0, *thresholds),
                new_health,
                paying,
                referred,
                round(float(value_12m), 2),
                round(float(value), 2),
            )
            current = (
                tier,
                segment,
                health,
                paid_referrals or 0,
                referred_count or 0,
                round(referred_value_12m or 0.0, 2),
                round(referred_value or 0.0, 2),
            )
            if new != current:
                changed[pid] = dict(zip(CLASSIFY_WRITES, new, strict=True))
            if new_tier != tier:
                if not tier:
                    direction = "new"
                elif minimum.get(new_tier, 0.0) > minimum.get(tier, 0.0):
                    direction = "up"
                else:
                    direction = "down"
                tier_changes.append(
                    (pid, tier, new_tier, direction, spend_12m or 0.0, user)
                )
            if new_health == "at_risk" and health != "at_risk":
                new_risks.append(pid)
        # Only the rows whose values change are written (the others are equal).
        if changed:
            self._write_company_values(company, changed)
        self._record_tier_changes(company, tier_changes)
        self._mark_recent_upgrades(
            company,
            [row[0] for row in rows],
            today,
            current={row[0]: row[12] for row in rows},
        )
        self._schedule_win_back(company, new_risks, today)
        targets = self._stage_targets(
            company,
            ids,
            healths,
            pinned={row[0] for row in rows if row[14]},
        )
        self._set_stages(
            company,
            targets,
            kind="auto",
            reason=False,
            current={row[0]: row[13] for row in rows},
        )
        return len(rows)

    @api.model
    def _stage_targets(self, company, ids, health, pinned=None):
        """The stage each partner's statistics qualify for (pinned ones left out).

        ``pinned``: the pinned partners among ``ids`` when the caller read them.
        """
        stages = self.env["loop.stage"].search([])
        lost = stages.filtered("is_lost")[:1]
        if pinned is None:
            pinned = {
                pid
                for pid, (flag,) in self._figures(
                    company, ids, ["stage_pinned"]
                ).items()
                if flag
            }
        rules = [
            (stage, stage._rule_domain_list())
            for stage in stages.filtered(lambda s: not s.is_lost).sorted("sequence")
        ]
        targets = {}
        matches = self._rule_matches(company, ids, rules)
        for (stage, _domain), matched in zip(rules, matches, strict=True):
            for pid in matched:
                targets[pid] = stage.id
        for pid in ids:
            if lost and health.get(pid) == "lost":
                targets[pid] = lost.id
        return {pid: stage_id for pid, stage_id in targets.items() if pid not in pinned}

    @api.model
    def _rule_matches(self, company, ids, rules):
        """For each ``(stage, domain)`` of ``rules``, the ids of ``ids`` matching it.

        Rules are domains over ``loop.customer``. The ORM compiles each (with the
        record rules of the current user) and a single query evaluates all of
        them on the rows of the batch in ``company``. A rule that needs a join
        falls back to its own search.
        """
        members = self.env["loop.customer"].with_context(active_test=False)
        base = [("company_id", "=", company.id), ("partner_id", "in", list(ids))]
        conditions, searched = [], {}
        for index, (_stage, domain) in enumerate(rules):
            query = members._search(domain) if domain else None
            if query is None:
                conditions.append(SQL("TRUE"))
            elif query.is_empty():
                conditions.append(SQL("FALSE"))
            elif query.from_clause.code == SQL.identifier(members._table).code:
                conditions.append(SQL("(%s)", query.where_clause or SQL("TRUE")))
            else:
                searched[index] = set(members.search(base + domain).partner_id.ids)
                conditions.append(SQL("FALSE"))
        rows = self.env.execute_query(
            SQL(
                "SELECT %s, %s FROM %s WHERE %s = %s AND %s",
                SQL.identifier(members._table, "partner_id"),
                SQL(", ").join(conditions),
                SQL.identifier(members._table),
                SQL.identifier(members._table, "company_id"),
                company.id,
                in_ids(SQL.identifier(members._table, "partner_id"), ids),
            )
        )
        return [
            searched[index]
            if index in searched
            else {row[0] for row in rows if row[index + 1]}
            for index in range(len(rules))
        ]

    @api.model
    def _set_stages(
        self, company, targets, kind="auto", reason=False, pin=None, current=None
    ):
        """Move partners to stages, keeping the history; returns the moved ids.

        ``current``: ``{partner_id: stage_id}`` when the caller already read them.
        """
        if not targets:
            return []
        if current is None:
            current = {
                pid: stage_id
                for pid, (stage_id,) in self._figures(
                    company, targets, ["stage_id"]
                ).items()
            }
        now = fields.Datetime.now()
        moved = {pid: sid for pid, sid in targets.items() if current.get(pid) != sid}
        values = {
            pid: {"loop_stage_id": sid, "loop_stage_date": str(now)}
            for pid, sid in moved.items()
        }
        if pin is not None:
            for pid in targets:
                values.setdefault(
                    pid, {"loop_stage_id": targets[pid], "loop_stage_date": None}
                )
                values[pid]["loop_stage_pinned"] = pin or None
            for pid in set(targets) - set(moved):
                values[pid].pop("loop_stage_date")
                self._write_company_values(company, {pid: values.pop(pid)})
        if values:
            self._write_company_values(company, values)
        if moved:
            self.env["loop.stage.history"].flush_model()
            self.env.cr.execute(
                SQL(
                    """UPDATE loop_stage_history SET date_end = %(now)s
                        WHERE company_id = %(company)s AND partner_id = ANY(%(ids)s)
                          AND date_end IS NULL""",
                    now=now,
                    company=company.id,
                    ids=list(moved),
                )
            )
            self.env.cr.execute(
                SQL(
                    """INSERT INTO loop_stage_history
                           (partner_id, company_id, stage_from_id, stage_to_id, date,
                            kind, reason, user_id,
                            create_uid, create_date, write_uid, write_date)
                       SELECT v.pid, %(company)s, v.old, v.new, %(now)s, %(kind)s,
                              %(reason)s,
                              %(uid)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                         FROM unnest(%(pids)s::int[], %(olds)s::int[], %(news)s::int[])
                              AS v(pid, old, new)""",
                    company=company.id,
                    now=now,
                    kind=kind,
                    reason=reason or None,
                    uid=self.env.uid,
                    pids=list(moved),
                    olds=[current.get(pid) for pid in moved],
                    news=list(moved.values()),
                )
            )
            self.env["loop.stage.history"].invalidate_model()
        return list(moved)

    @api.model
    def _mark_recent_upgrades(self, company, ids, today, current=None):
        """Flag the partners whose tier went up in the last 12 months.

        ``current``: ``{partner_id: flag}`` as read by the caller; only the
        flags that change are written then.
        """
        recent = {
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """SELECT DISTINCT partner_id FROM loop_tier_history
                        WHERE company_id = %s AND %s
                          AND direction = 'up' AND date >= %s""",
                    company.id,
                    in_ids(SQL("partner_id"), ids),
                    loop_rules.window_start(today),
                )
            )
        }
        flags = {pid: {"loop_recent_upgrade": (pid in recent) or None} for pid in ids}
        if current is not None:
            flags = {
                pid: value
                for pid, value in flags.items()
                if value["loop_recent_upgrade"] != (current.get(pid) or None)
            }
        if flags:
            self._write_company_values(company, flags)

    @api.model
    def _record_tier_changes(self, company, changes):
        if not changes:
            return
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """INSERT INTO loop_tier_history
                       (partner_id, company_id, tier_from_id, tier_to_id, date,
                        direction, spend_12m,
                        create_uid, create_date, write_uid, write_date)
                   SELECT v.pid, %(company)s, v.old, v.new, %(now)s, v.direction,
                          v.spend,
                          %(uid)s, %(now)s, %(uid)s, %(now)s
                     FROM unnest(%(pids)s::int[], %(olds)s::int[], %(news)s::int[],
                                 %(directions)s::varchar[], %(spends)s::float[])
                          AS v(pid, old, new, direction, spend)""",
                company=company.id,
                now=now,
                uid=self.env.uid,
                pids=[c[0] for c in changes],
                olds=[c[1] for c in changes],
                news=[c[2] for c in changes],
                directions=[c[3] for c in changes],
                spends=[c[4] for c in changes],
            )
        )
        self.env["loop.tier.history"].invalidate_model()
        tiers = {
            t.id: t.name
            for t in self.env["loop.tier"].browse({c[2] for c in changes if c[2]})
        }
        self.env["mail.activity"]._loop_schedule(
            "five_customer_loop.mail_activity_type_tier_change",
            [
                {
                    "res_id": pid,
                    "user_id": user,
                    "summary": self.env._(
                        "Tier upgraded to %(tier)s", tier=tiers.get(new, "-")
                    )
                    if direction == "up"
                    else self.env._(
                        "Tier downgraded to %(tier)s", tier=tiers.get(new, "-")
                    ),
                }
                for pid, _old, new, direction, _spend, user in changes
                if direction in ("up", "down")
            ],
        )

    @api.model
    def _schedule_win_back(self, company, partner_ids, today):
        """Customers who just became at risk: a win-back occasion for the
        running win-back campaigns (their call, measured against a holdout)."""
        summary = self.env._("Win back: no visit for a long time")
        self.env["loop.campaign"]._enrol_occasions(
            "win_back",
            company,
            [
                {"partner_id": pid, "occasion": today, "summary": summary}
                for pid in partner_ids
            ],
            today,
        )

    # -------------------------------------------------------------------- running
    @api.model
    def refresh_partners(self, partners):
        """Recompute everything for a few partners now (their referrers too)."""
        # sudo: a cashier of one store pays an order of a customer who also has
        # figures in other companies; the engine only derives figures from
        # orders, it writes nothing the user chose.
        self = self.sudo()
        partners = partners.with_env(self.env).exists()
        if not partners:
            return
        ids = set(partners.ids) | set(partners.loop_referred_by_id.ids)
        for company in (
            self.env["res.company"].sudo().search([])
        ):  # figures of every company
            today = company._loop_today()
            candidates = self._compute_stats(company, ids, today)
            self._classify(company, candidates, today)
        self._after_refresh(partners)

    @api.model
    def _after_refresh(self, partners):
        """``refresh_partners`` recomputed ``partners`` (as superuser).

        Referral rewards follow the paid visits of the referred customers.
        """
        self.env["loop.referral.reward"]._sync_partners(partners)

    @api.model
    def _batch_size(self):
        return int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("five_customer_loop.batch_size", 10000)
        )

    @api.model
    def _load_state(self, today, force=False):
        """The run's state; a new run when forced or on a new day."""
        # sudo: the run state is a technical record of this engine only.
        run = self.env["loop.engine.run"].sudo()._state()
        state = run.read(list(RUN_FIELDS))[0]
        if force or state["day"] != today:
            total = self.env.execute_query(SQL("SELECT COUNT(*) FROM res_partner"))
            state = {"day": today, "phase": 0, "cursor": 0, "done": 0}
            state["total"] = total[0][0]
        state["run"] = run
        return state

    @api.model
    def _save_state(self, state):
        # sudo: see _load_state.
        run = state.get("run") or self.env["loop.engine.run"].sudo()._state()
        run.write({key: state[key] for key in RUN_FIELDS if key in state})

    @api.model
    def _batch_settings(self):
        """PostgreSQL settings of this transaction for a batch's few big queries.

        They are planned in milliseconds and run in hundreds: compiling them
        (JIT) costs more than it saves. Their aggregates (tens of thousands of
        orders, lines and days) fit in memory instead of temporary files.
        """
        self.env.cr.execute(SQL("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'"))

    @api.model
    def run_batch(self, force=False):
        """Process the next batch of today's full run; returns ``(done, remaining)``.

        The state (phase and last partner id) is saved in the same transaction
        as the batch, so a run killed mid-way resumes where its last committed
        batch ended and reaches the same final result.
        """
        state = self._load_state(self.env.company._loop_today(), force=force)
        if state["phase"] >= len(PHASES):
            return state["done"], 0
        self._batch_settings()
        phase = PHASES[state["phase"]]
        size = self._batch_size()
        ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    "SELECT id FROM res_partner WHERE id > %s ORDER BY id LIMIT %s",
                    state["cursor"],
                    size,
                )
            )
        ]
        started = time.monotonic()
        companies = self.env["res.company"].sudo().search([])  # every company's figures
        if ids:
            for company in companies:
                today = company._loop_today()
                if phase == "stats":
                    self._compute_stats(company, ids, today)
                else:
                    # the statistics gave everyone with paid orders a row;
                    # looked for again: a referred prospect is one once her
                    # referrer's row exists
                    self._classify(company, ids, today, candidates=True)
            state["cursor"] = ids[-1]
            state["done"] += len(ids)
        if len(ids) < size:
            if phase == "stats":
                self._update_segment_thresholds(companies)
            state["phase"] += 1
            state["cursor"] = 0
        _logger.info(
            "Five-Customer Loop: %s batch of %s partners in %.2fs",
            phase,
            len(ids),
            time.monotonic() - started,
        )
        self._save_state(state)
        remaining = self._remaining(state)
        return state["done"], remaining

    @api.model
    def _remaining(self, state):
        """Partners left to process, from the count taken when the run began.

        An estimate (partners created during the run are not counted), never 0
        before the last phase ended: ``run_all`` stops on 0.
        """
        if state["phase"] >= len(PHASES):
            return 0
        left = state["total"] * len(PHASES) - state["done"]
        return max(left, 1)

    @api.model
    def run_all(self, force=True):
        """Run a whole recompute in this transaction (tests, install, benchmark)."""
        done, remaining = self.run_batch(force=force)
        while remaining:
            done, remaining = self.run_batch()
        return done

    @api.model
    def _cron_recompute(self):
        """Nightly: one batch per call; the cron runner commits and calls again."""
        done, remaining = self.run_batch()
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
