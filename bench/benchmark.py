"""Measure the loop engine on generated databases and print a results table.

Usage (from the repository root)::

    tools/bench.sh benchmark --db fcl_bench_1k --db fcl_bench_10k --db fcl_bench_100k

For each database (made by ``bench/generate.py``) it measures, each in a fresh
process so that memory and caches are those of a cron worker:

* **nightly**: the full recompute as the cron runs it (``run_batch`` per
  transaction, commit in between), on a day after the last run so every
  customer's figures really change; wall time, slowest batch, queries per
  batch, peak resident memory. Run twice, with batches of 10,000 and of
  1,000 customers, to show the queries per batch do not depend on its size
  (the middle batches of each phase compared, see ``query_check_line``; when
  the largest database holds fewer than three batches per phase, two more
  runs with batch sizes scaled to it). After it, every customer with paid
  orders in a company must have a row in its funnel (``loop_customer``).
* **floor**: the bare-SQL floor of the full recompute, on the same data: the
  engine's statistics aggregate (the ``days`` CTE of ``_compute_stats``) alone,
  over every customer of the database at once, no writes (median of 3 warm
  runs); the report gives the full recompute's ratio to it.
* **incremental**: one more day of orders (~1/90 of the customers buy
  again), then ``refresh_partners`` on those customers (rolled back).
* **funnel**: the server side of opening the funnel kanban (``loop.customer``,
  its column totals a plain grouped read) as a loop manager:
  ``web_read_group`` grouped by stage with the action's domain,
  ``read_progress_bar``, and ``web_search_read`` of the first page (80) of
  each unfolded column; median of 5 warm runs.
* **naive** (up to ``--naive-max`` customers): the engine and the per-record
  ORM implementation of ``bench/naive.py`` on the same data (figures wiped
  first, both rolled back), with a checksum over customer, tier, segment,
  stage and 12-month spend that must be identical.

The markdown table goes to stdout and to ``bench/results/<date>.md``.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import odoo_env  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
BENCH_PARAM = "five_customer_loop.bench"
# loop_customer columns emptied before the engine and the naive version run
WIPED = (
    "first_visit",
    "last_visit",
    "visit_count",
    "visit_count_12m",
    "spend_total",
    "spend_12m",
    "avg_ticket",
    "avg_interval",
    "next_visit",
    "repurchase_rate",
    "segment",
    "health",
    "referral_paid_count",
    "recent_upgrade",
)
TARGETS = {
    "nightly_s": 60.0,
    "incremental_s": 10.0,
    "batch_s": 30.0,
    "rss_mb": 500.0,
    "funnel_ms": 300.0,
    "funnel_ratio": 1.5,
    "return_rates_s": 10.0,
    "dashboard_ms": 300.0,
    "reconstruction_s": 60.0,
    "campaign_enrol_s": 30.0,
    "campaign_results_s": 5.0,
    "speedup": 20.0,
    # most queries of a middle batch ten times bigger, relative (query_check_line())
    "query_growth": 1.25,
}


# ----------------------------------------------------------------------- workers
def _env(cr, uid=None, context=None):
    return odoo_env.odoo.api.Environment(
        cr, uid or odoo_env.odoo.SUPERUSER_ID, context or {}
    )


def worker_nightly(args):
    from bench import runner

    reg = odoo_env.registry(args.db)
    baseline = odoo_env.peak_rss_mb()
    with reg.cursor() as cr:
        previous = _env(cr)["ir.config_parameter"].get_param(
            "five_customer_loop.batch_size"
        )
    batches = runner.cron_run(reg, args.day, batch_size=args.batch_size)
    with reg.cursor() as cr:
        params = _env(cr)["ir.config_parameter"]
        params.set_param("five_customer_loop.batch_size", previous or False)
        company_id = _env(cr).company.id
        digest, _rows = runner.checksum(cr, company_id)
        funnel_missing = runner.funnel_missing(_env(cr))
    size = args.batch_size or 10000
    full = [b for b in batches if b["partners"] == size]
    return {
        "day": args.day,
        "batch_size": args.batch_size,
        "seconds": sum(b["seconds"] for b in batches),
        "batches": len(batches),
        "slowest_batch": max(b["seconds"] for b in batches),
        "queries": [b["queries"] for b in batches],
        "queries_full": sorted({b["queries"] for b in full})
        or [b["queries"] for b in batches],
        "partners": [b["partners"] for b in batches],
        "phases": [b["phase"] for b in batches],
        "batch_seconds": [round(b["seconds"], 2) for b in batches],
        "rss_baseline_mb": baseline,
        "rss_peak_mb": odoo_env.peak_rss_mb(),
        "checksum": digest,
        "funnel_missing": funnel_missing,
    }


def worker_incremental(args):
    from bench import runner

    reg = odoo_env.registry(args.db)
    with runner.frozen(args.day), reg.cursor() as cr:
        env = _env(cr)
        bench = json.loads(env["ir.config_parameter"].get_param(BENCH_PARAM))
        n = max(1, round(bench["customers"] / 90))
        # ~1/90 of the customers (a stable pseudo-random pick per day) buy again
        # today: a copy of their last order, paid in their home store's open session.
        cr.execute(
            """SELECT p.id FROM res_partner p
                WHERE p.loop_store_id IS NOT NULL
                  AND EXISTS (SELECT 1 FROM loop_customer m
                               WHERE m.partner_id = p.id AND m.visit_count IS NOT NULL)
                ORDER BY md5(p.id::text || %s) LIMIT %s""",
            (args.day, n),
        )
        ids = [row[0] for row in cr.fetchall()]
        orders = _clone_last_orders(env, ids, args.day)
        env.invalidate_all()
        partners = env["res.partner"].browse(ids)
        before = {p.id: p.loop_visit_count for p in partners.with_company(env.company)}
        env.invalidate_all()
        queries0 = cr.sql_log_count
        started = runner.real_clock()
        env["loop.engine"].refresh_partners(partners)
        env.flush_all()
        seconds = runner.real_clock() - started
        queries = cr.sql_log_count - queries0
        env.invalidate_all()
        after = {p.id: p.loop_visit_count for p in partners.with_company(env.company)}
        grew = sum(1 for pid in ids if after[pid] >= before[pid])
        cr.rollback()
    return {
        "customers": len(ids),
        "orders": orders,
        "seconds": seconds,
        "queries": queries,
        "updated": grew,
        "rss_peak_mb": odoo_env.peak_rss_mb(),
    }


def _clone_last_orders(env, partner_ids, day):
    cr = env.cr
    cr.execute(
        """
        CREATE TEMP TABLE bench_new_orders ON COMMIT DROP AS
        SELECT DISTINCT ON (o.partner_id) o.id AS src, nextval('pos_order_id_seq') AS id,
               o.partner_id, s.id AS session_id, s.config_id
          FROM pos_order o
          JOIN res_partner p ON p.id = o.partner_id
          JOIN pos_session s ON s.config_id = p.loop_store_id AND s.state != 'closed'
         WHERE o.partner_id = ANY(%(ids)s) AND o.amount_total > 0
         ORDER BY o.partner_id, o.date_order DESC;
        INSERT INTO pos_order
               (id, name, pos_reference, sequence_number, session_id, config_id, sale_journal,
                company_id, partner_id, user_id, date_order, state, amount_total, amount_tax,
                amount_paid, amount_return, currency_rate, pricelist_id, nb_print,
                create_uid, create_date, write_uid, write_date)
        SELECT n.id, o.name || '-B', o.pos_reference, o.sequence_number, n.session_id,
               n.config_id, o.sale_journal, o.company_id, o.partner_id, o.user_id,
               %(when)s, 'paid', o.amount_total, o.amount_tax, o.amount_paid, o.amount_return,
               o.currency_rate, o.pricelist_id, 0, 1, %(when)s, 1, %(when)s
          FROM bench_new_orders n JOIN pos_order o ON o.id = n.src;
        INSERT INTO pos_order_line
               (order_id, product_id, company_id, name, full_product_name, qty, price_unit,
                price_subtotal, price_subtotal_incl, discount, price_type, is_edited,
                create_uid, create_date, write_uid, write_date)
        SELECT n.id, l.product_id, l.company_id, l.name, l.full_product_name, l.qty,
               l.price_unit, l.price_subtotal, l.price_subtotal_incl, 0, 'original', false,
               1, %(when)s, 1, %(when)s
          FROM bench_new_orders n JOIN pos_order_line l ON l.order_id = n.src;
        """,
        {"ids": partner_ids, "when": f"{day} 06:00:00"},
    )
    cr.execute("SELECT COUNT(*) FROM bench_new_orders")
    return cr.fetchone()[0]


def _kanban_request(env):
    """Model, grouping, domain, aggregates, progress bar and field spec the funnel asks for."""
    from lxml import etree

    action = env.ref("five_customer_loop.loop_customer_action_funnel").sudo()
    Model = env[action.res_model]
    arch = etree.fromstring(
        Model.get_views([(False, "kanban")])["views"]["kanban"]["arch"]
    )
    group_by = arch.get("default_group_by")
    names = list(dict.fromkeys(node.get("name") for node in arch.iter("field")))
    names.append(arch.get("highlight_color"))
    info = Model.fields_get(names, attributes=["type", "aggregator"])
    spec = {
        name: {"fields": {"display_name": {}}}
        if info[name]["type"] == "many2one"
        else {}
        for name in names
    }
    aggregates = [
        f"{name}:{info[name]['aggregator']}"
        for name in names
        if info[name].get("aggregator") and name != group_by
    ]
    bar = arch.find("progressbar")
    progress = {
        "field": bar.get("field"),
        "colors": json.loads(bar.get("colors")),
        "sum_field": bar.get("sum_field"),
        "help": bar.get("help"),
    }
    domain = eval(action.domain)  # noqa: S307  (our own action's literal domain)
    context = eval(action.context or "{}")  # noqa: S307
    # as web/static/src/views/kanban/kanban_controller.js and the relational model:
    # each column loads `limit` cards and counts up to max(count_limit, limit) + 1
    limit = int(arch.get("limit") or action.limit or 40)
    count_limit = max(int(arch.get("count_limit") or 10000), limit) + 1
    Model = Model.with_context(**context, bin_size=True)
    return Model, group_by, domain, aggregates, progress, spec, limit, count_limit


def worker_funnel(args):
    from bench import runner

    reg = odoo_env.registry(args.db)
    with reg.cursor() as cr:
        env = _env(cr)
        bench = json.loads(env["ir.config_parameter"].get_param(BENCH_PARAM))
        manager = env["res.users"].browse(bench["manager_id"])
        context = {
            "lang": manager.lang or "en_US",
            "tz": manager.tz,
            "uid": manager.id,
            "allowed_company_ids": manager.company_ids.ids,
        }
        env = _env(cr, manager.id, context)
        Model, group_by, domain, aggregates, progress, spec, limit, count_limit = (
            _kanban_request(env)
        )

        def open_funnel():
            groups = Model.web_read_group(domain, aggregates, [group_by], lazy=True)
            Model.read_progress_bar(domain, group_by, progress)
            opened = 0
            for group in groups["groups"]:
                if group.get("__fold") or not group[f"{group_by}_count"]:
                    continue
                Model.web_search_read(
                    group["__domain"], spec, limit=limit, count_limit=count_limit
                )
                opened += 1
            return groups, opened

        open_funnel()  # warm the registry and ORM caches, as a running server has them
        timings, queries = [], []
        for _i in range(5):
            env.invalidate_all()
            queries0 = cr.sql_log_count
            started = runner.real_clock()
            groups, opened = open_funnel()
            timings.append(runner.real_clock() - started)
            queries.append(cr.sql_log_count - queries0)
        cr.rollback()
    return {
        "ms": 1000 * statistics.median(timings),
        "ms_all": [round(1000 * t, 1) for t in timings],
        "queries": queries[-1],
        "columns": len(groups["groups"]),
        "opened": opened,
        "counts": {
            g[group_by][1] if g[group_by] else "-": g[f"{group_by}_count"]
            for g in groups["groups"]
        },
    }


def worker_compare(args):
    from bench import runner

    reg = odoo_env.registry(args.db)
    from bench import naive  # after the registry: it imports the addon

    out = {}
    with runner.frozen(args.day), reg.cursor() as cr:
        env = _env(cr)
        company = env.company
        today = odoo_env.odoo.fields.Date.context_today(env["loop.engine"])
        wipe = "UPDATE loop_customer SET " + ", ".join(f"{f} = NULL" for f in WIPED)
        # the registry's one-time dependency graph, built on the first write of a
        # process, as a running server has it: not charged to whichever runs first
        env.registry._field_triggers  # noqa: B018
        for name, run in (
            ("engine", lambda: env["loop.engine"].run_all()),
            ("naive", lambda: naive.recompute(env, today)),
        ):
            cr.execute("SAVEPOINT bench_compare")
            cr.execute(wipe)
            env.invalidate_all()
            env.registry.clear_cache()
            queries0 = cr.sql_log_count
            started = runner.real_clock()
            run()
            env.flush_all()
            out[f"{name}_s"] = runner.real_clock() - started
            out[f"{name}_queries"] = cr.sql_log_count - queries0
            out[f"{name}_checksum"], out["rows"] = runner.checksum(cr, company.id)
            cr.execute("ROLLBACK TO SAVEPOINT bench_compare")
            env.invalidate_all()
            env.registry.clear_cache()
        cr.rollback()
    out["identical"] = out["engine_checksum"] == out["naive_checksum"]
    out["speedup"] = out["naive_s"] / out["engine_s"]
    return out


def worker_floor(args):
    from bench import runner

    reg = odoo_env.registry(args.db)
    with runner.frozen(args.day), reg.cursor() as cr:
        floor = runner.stats_floor(_env(cr))
        cr.rollback()
    return floor


def worker_measures(args):
    """The measures built from the order history, and the dashboard's server time.

    Return rates of the last twelve ended months (every month rebuilt: the
    database holds no final month yet, and the run is rolled back), the Attract
    conversion of every channel and month, each once after a warm-up; the
    dashboard as the manager opens it, median of five after a warm-up; last,
    the stage and tier history reconstructed from the order history as on
    the install day (once).
    """
    from bench import runner

    reg = odoo_env.registry(args.db)
    with runner.frozen(args.day), reg.cursor() as cr:
        env = _env(cr)
        bench = json.loads(env["ir.config_parameter"].get_param(BENCH_PARAM))
        manager = env["res.users"].browse(bench["manager_id"])
        company = manager.company_id
        out = {}
        for key, model in (
            ("return_rates", "loop.return.rate"),
            ("conversion", "loop.channel.conversion"),
        ):
            Model = env[model]
            Model._rebuild(company)  # warm-up (rows of every month)
            Model.search([]).unlink()
            env.flush_all()
            queries0 = cr.sql_log_count
            started = runner.real_clock()
            rows = Model._rebuild(company)
            out[key] = {
                "seconds": runner.real_clock() - started,
                "rows": len(rows),
                "queries": cr.sql_log_count - queries0,
            }
        context = {
            "lang": manager.lang or "en_US",
            "tz": manager.tz,
            "uid": manager.id,
            "allowed_company_ids": manager.company_ids.ids,
        }
        Dashboard = _env(cr, manager.id, context)["loop.dashboard"]
        Dashboard.get_dashboard_data()  # warm-up
        timings = []
        for _i in range(5):
            env.invalidate_all()
            started = runner.real_clock()
            Dashboard.get_dashboard_data()
            timings.append(runner.real_clock() - started)
        out["dashboard_ms"] = 1000 * statistics.median(timings)
        # last: it rewrites the history tables (rolled back)
        out["reconstruction"] = _reconstruction(env, company)
        cr.rollback()
    return out


def _reconstruction(env, company):
    """The stage and tier history reconstructed as on the install day.

    The history tables are emptied and hold the entries the install's
    recompute writes (each customer's stage and tier today, from nothing),
    then the whole order history is replayed month-end by month-end. Rolled
    back by the caller. The benchmark database holds one company.
    """
    from bench import runner

    cr = env.cr
    env.flush_all()
    now = env.cr.now()
    cr.execute(
        # TRUNCATE (rolled back with the rest): the tables hold only the
        # install's rows, as on the install day, not those rows beside the
        # deleted ones
        """TRUNCATE loop_stage_history, loop_tier_history;
           UPDATE loop_customer SET stage_date = %(now)s WHERE company_id = %(c)s;
           INSERT INTO loop_stage_history (partner_id, company_id, stage_to_id, date,
                                           kind, create_uid, create_date)
           SELECT partner_id, company_id, stage_id, %(now)s, 'auto', 1, %(now)s
             FROM loop_customer WHERE company_id = %(c)s AND stage_id IS NOT NULL;
           INSERT INTO loop_tier_history (partner_id, company_id, tier_to_id, date,
                                          direction, spend_12m, create_uid, create_date)
           SELECT partner_id, company_id, tier_id, %(now)s, 'new', spend_12m, 1, %(now)s
             FROM loop_customer WHERE company_id = %(c)s AND tier_id IS NOT NULL;
           ANALYZE loop_stage_history, loop_tier_history""",
        {"c": company.id, "now": now},
    )
    env.invalidate_all()
    queries0 = cr.sql_log_count
    started = runner.real_clock()
    totals = env["loop.history.reconstruction"]._reconstruct(company)
    seconds = runner.real_clock() - started
    cr.execute(
        """SELECT COUNT(DISTINCT date_trunc('month', date)) FROM loop_stage_history
            WHERE company_id = %s AND reconstructed""",
        [company.id],
    )
    months = cr.fetchone()[0]
    return {
        "sample": _reconstruction_sample(env, company),
        "months": months,
        "seconds": seconds,
        "rows": totals["stage"] + totals["tier"],
        "stage_rows": totals["stage"],
        "tier_rows": totals["tier"],
        "customers": totals["customers"],
        "queries": cr.sql_log_count - queries0,
    }


def _reconstruction_sample(env, company, size=25):
    """Check the reconstructed history of a sample against the rules, in Python.

    For customers without cards, referrals or pins (whose stage the default
    rules give from their visits and tier alone), each month-end from their
    first visit to the last one before today: the visits, 12-month visits and
    spend, health and tier computed here from their visit days with
    ``lib.loop_rules``, the stage of the default rules, against the stage and
    tier in force then in the history tables.
    """
    from datetime import date, datetime, time, timedelta

    import pytz

    from odoo.tools import SQL

    from odoo.addons.five_customer_loop.lib import loop_rules
    from odoo.addons.five_customer_loop.lib.loop_sql import visit_days

    ids = [
        row[0]
        for row in env.execute_query(
            SQL(
                """SELECT m.partner_id FROM loop_customer m
                    WHERE m.company_id = %(c)s AND m.visit_count > 0
                      AND m.stage_pinned IS NOT TRUE
                      AND NOT EXISTS (SELECT 1 FROM loop_card k
                                       WHERE k.partner_id = m.partner_id)
                      AND NOT EXISTS (SELECT 1 FROM res_partner r
                                       WHERE r.loop_referred_by_id = m.partner_id)
                    ORDER BY md5(m.partner_id::text) LIMIT %(n)s""",
                c=company.id,
                n=size,
            )
        )
    ]
    engine = env["loop.engine"]
    days = {}
    for pid, day, amount, visit in env.execute_query(
        visit_days(engine._paid_orders(company, ids))
    ):
        days.setdefault(pid, []).append((day, float(amount), visit))
    stages = {s.code: s.id for s in env["loop.stage"].search([])}
    tiers = env["loop.tier"].search([("company_id", "=", company.id)])
    bands = [(t.id, t.min_spend) for t in tiers]
    minimum = dict(bands)
    vip = set(tiers.filtered("is_vip").ids)
    zone = pytz.timezone(company._loop_tz())
    today = company._loop_today()
    checked, mismatches = 0, []
    for pid in ids:
        rows = sorted(days.get(pid, []))
        history = env.execute_query(
            SQL(
                """SELECT date, date_end, stage_to_id FROM loop_stage_history
                    WHERE partner_id = %s AND company_id = %s ORDER BY date""",
                pid,
                company.id,
            )
        )
        tier_rows = env.execute_query(
            SQL(
                """SELECT date, tier_to_id FROM loop_tier_history
                    WHERE partner_id = %s AND company_id = %s ORDER BY date""",
                pid,
                company.id,
            )
        )
        first = min(d for d, _a, v in rows if v)
        month = date(first.year, first.month, 1)
        prev_tier, ups = None, []
        while True:
            nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
            end = nxt - timedelta(days=1)
            if end >= today:
                break
            start = loop_rules.window_start(end)
            visits = [d for d, _a, v in rows if v and d <= end]
            last = max(visits)
            visits_12m = sum(1 for d in visits if d >= start)
            spend_12m = round(sum(a for d, a, _v in rows if start <= d <= end), 2)
            interval = round(
                loop_rules.average_interval(min(visits), last, len(visits)), 1
            )
            health = loop_rules.health_for(
                (end - last).days,
                interval,
                company.loop_at_risk_min_days,
                company.loop_at_risk_factor,
                company.loop_lost_days,
            )
            tier = loop_rules.tier_for_spend(spend_12m, bands) or None
            if (
                prev_tier
                and tier != prev_tier
                and minimum.get(tier, 0.0) > minimum[prev_tier]
            ):
                ups.append(end)
            prev_tier = tier
            recent = any(day >= start for day in ups)
            if health == "lost":
                stage = stages["lost"]
            elif tier in vip or recent:
                stage = stages["upgrade"]
            elif visits_12m >= 6:
                stage = stages["lockin"]
            elif len(visits) >= 2:
                stage = stages["retain"]
            else:
                stage = stages["attract"]
            moment = (
                zone.localize(datetime.combine(end, time(23, 59, 59)))
                .astimezone(pytz.utc)
                .replace(tzinfo=None)
            )
            got_stage = next(
                (s for d, e, s in history if d <= moment and (e is None or moment < e)),
                None,
            )
            got_tier = next((t for d, t in reversed(tier_rows) if d <= moment), None)
            checked += 1
            if (got_stage, got_tier) != (stage, tier):
                mismatches.append((pid, str(end), stage, got_stage, tier, got_tier))
            month = nxt
    return {
        "customers": len(ids),
        "month_ends": checked,
        "mismatches": len(mismatches),
        "first_mismatches": mismatches[:5],
    }


def worker_campaign(args):
    """A campaign over the whole database: the loyal segment enrolled (about
    one customer in five: 21,467 of the 100,000 generated), a fifth of them
    held out, a win-back activity for each treated customer's staff member;
    then its results (each member's visits, revenue and bookings in the
    window, and the lift). Rolled back.
    """
    from bench import runner

    reg = odoo_env.registry(args.db)
    with runner.frozen(args.day), reg.cursor() as cr:
        env = _env(cr)
        bench = json.loads(env["ir.config_parameter"].get_param(BENCH_PARAM))
        company = env["res.users"].browse(bench["manager_id"]).company_id
        env = env(context={"allowed_company_ids": company.ids})
        audience = [("segment", "=", "loyal")]
        campaign = env["loop.campaign"].create(
            {
                "name": "Benchmark",
                "audience_domain": str(audience),
                "activity_type_id": env.ref(
                    "five_customer_loop.mail_activity_type_win_back"
                ).id,
            }
        )
        campaign.state = "running"
        env.flush_all()
        out = {}
        queries0 = cr.sql_log_count
        started = runner.real_clock()
        members = campaign._enrol()
        env.flush_all()
        out["enrol"] = {
            "seconds": runner.real_clock() - started,
            "queries": cr.sql_log_count - queries0,
            "members": len(members),
            "treated": len(members.filtered(lambda m: not m.holdout)),
        }
        env.invalidate_all()
        queries0 = cr.sql_log_count
        started = runner.real_clock()
        campaign._measure()
        campaign.invalidate_recordset()
        lift = campaign.visit_lift
        out["results"] = {
            "seconds": runner.real_clock() - started,
            "queries": cr.sql_log_count - queries0,
            "visit_lift": lift,
        }
        cr.rollback()
    return out


def worker_slots(args):
    """Online booking: the free times of one store with 10 staff members over
    14 days (working hours 09:00-21:00 every day with a lunch break, a day off
    each, 6 bookings a day each: 840 bookings) for a 60-minute service, as the
    booking page asks for them; the median of 7 reads and their queries.
    Rolled back."""
    import pytz

    from bench import runner

    reg = odoo_env.registry(args.db)
    with runner.frozen(args.day), reg.cursor() as cr:
        env = _env(cr)
        bench = json.loads(env["ir.config_parameter"].get_param(BENCH_PARAM))
        company = env["res.users"].browse(bench["manager_id"]).company_id
        env = env(
            context={"allowed_company_ids": company.ids, "tracking_disable": True}
        )
        company = company.with_env(env)
        company.write({"loop_online_booking": True, "loop_online_lead_hours": 2.0})
        zone = pytz.timezone(company._loop_tz())
        hours = env["loop.online.booking"]._create_hours(
            "Bench hours",
            zone.zone,
            range(7),
            ((9, 12, "morning"), (13, 21, "afternoon")),
        )
        group = env.ref("five_customer_loop.group_loop_user")
        staff = env["res.users"].create(
            [
                {
                    "name": f"Bench Beautician {n}",
                    "login": f"bench_beautician_{n}",
                    "groups_id": [(6, 0, group.ids)],
                    "company_id": company.id,
                    "company_ids": [(6, 0, company.ids)],
                    "loop_book_online": True,
                }
                for n in range(10)
            ]
        )
        staff.write({"loop_calendar_id": hours.id})
        service = env["product.product"].create(
            {"name": "Bench Facial", "type": "service", "loop_bookable": True}
        )
        customer = env["res.partner"].create({"name": "Bench Booker"})
        today = company._loop_today()

        def utc(day, hour):
            local = zone.localize(datetime.combine(day, datetime.min.time()))
            return (
                (local + timedelta(hours=hour))
                .astimezone(pytz.utc)
                .replace(tzinfo=None)
            )

        env["calendar.event"].create(
            [
                {
                    "is_loop_booking": True,
                    "loop_partner_id": customer.id,
                    "loop_staff_id": user.id,
                    "loop_service_ids": [(6, 0, service.ids)],
                    "loop_company_id": company.id,
                    "start": utc(today + timedelta(days=d), hour + (n % 2) / 2),
                    "duration": 1.0,
                }
                for d in range(14)
                for n, user in enumerate(staff)
                for hour in (9, 11, 14, 16, 18, 19.5)
            ]
        )
        env["resource.calendar.leaves"].create(
            [
                {
                    "name": "Day off",
                    "calendar_id": hours.id,
                    "resource_id": user.resource_ids.id,
                    "date_from": utc(today + timedelta(days=n % 14), 0),
                    "date_to": utc(today + timedelta(days=n % 14 + 1), 0),
                }
                for n, user in enumerate(staff)
            ]
        )
        env.flush_all()
        Online = env["loop.online.booking"]
        times, queries, found = [], [], 0
        for _ in range(7):
            env.invalidate_all()
            queries0 = cr.sql_log_count
            started = runner.real_clock()
            free = Online._slots(company, service, staff, today, days=14)
            times.append(runner.real_clock() - started)
            queries.append(cr.sql_log_count - queries0)
            found = sum(len(starts) for starts in free.values())
        cr.rollback()
    times.sort()
    return {
        "ms": 1000 * times[len(times) // 2],
        "min_ms": 1000 * times[0],
        "max_ms": 1000 * times[-1],
        "queries": max(queries),
        "bookings": 14 * 10 * 6,
        "free_slots": found,
    }


WORKERS = {
    "campaign": worker_campaign,
    "slots": worker_slots,
    "measures": worker_measures,
    "nightly": worker_nightly,
    "floor": worker_floor,
    "incremental": worker_incremental,
    "funnel": worker_funnel,
    "compare": worker_compare,
}


# ------------------------------------------------------------------ orchestrator
def spawn(worker, db, day, **options):
    cmd = [sys.executable, __file__, "--worker", worker, "--db", db, "--day", day]
    for key, value in options.items():
        if value is not None:
            cmd += [f"--{key.replace('_', '-')}", str(value)]
    print(f"  {db}: {worker} {' '.join(cmd[7:])} ...", end=" ", flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode or not lines:
        print("FAILED")
        sys.stderr.write(proc.stdout[-5000:] + proc.stderr[-5000:])
        raise SystemExit(f"{worker} on {db} failed")
    result = json.loads(lines[-1][len("RESULT ") :])
    print("done")
    return result


def pick_days(db):
    """Two days after the data set's reference day, the first unlike the last run's.

    Each nightly measured must really recompute the customers' figures (the
    days since the last visit, which health and stages follow, move by one),
    so it never runs on the last run's day.
    """
    bench = json.loads(
        odoo_env.psql(
            f"SELECT value FROM ir_config_parameter WHERE key = '{BENCH_PARAM}'", db=db
        )
    )
    last = (
        odoo_env.psql("SELECT day FROM loop_engine_run ORDER BY id LIMIT 1", db=db)
        or None
    )
    ref = date.fromisoformat(bench["today"])
    d1, d2 = (
        (ref + timedelta(days=1)).isoformat(),
        (ref + timedelta(days=2)).isoformat(),
    )
    return (d1, d2) if last != d1 else (d2, d1), bench


def steady_queries(nightly):
    """Most queries of a batch in each phase, over the batches between its first and last.

    The first batch of a phase does more than the others (a new run counts the
    partners; the process's first classification fills its caches) and so does
    the last one (the segment thresholds, the next phase): they are left out,
    so that batches are compared with batches that do the same work. Returns
    ``{phase: most}`` for the phases of three batches or more.
    """
    by_phase = {}
    for phase, queries in zip(nightly["phases"], nightly["queries"], strict=True):
        by_phase.setdefault(str(phase), []).append(queries)
    return {phase: max(q[1:-1]) for phase, q in by_phase.items() if len(q) >= 3}


def comparable(large, small):
    """Both runs have middle batches in every phase of the large one."""
    phases = {str(phase) for phase in large["phases"]}
    return phases <= set(steady_queries(large)) and phases <= set(steady_queries(small))


def query_check_runs(row, args):
    """Two more nightlies for the query check, when the main ones cannot serve it.

    A database that holds fewer than three batches of ``--batch-size`` per
    phase has no middle batch at that size: the check then compares batch
    sizes of a third of its partners and ten (``--batch-size`` ÷
    ``--small-batch``) times less, on two days after the main runs' days, as
    those are.
    """
    partners = sum(
        n
        for n, phase in zip(
            row["nightly"]["partners"], row["nightly"]["phases"], strict=True
        )
        if phase == row["nightly"]["phases"][0]
    )
    large = max(1, partners // 3)
    small = max(1, round(large * args.small_batch / args.batch_size))
    (day_a, day_b), _bench = pick_days(row["db"])
    return {
        "sizes": [large, small],
        "large": spawn("nightly", row["db"], day_a, batch_size=large),
        "small": spawn("nightly", row["db"], day_b, batch_size=small),
    }


def bench_db(db, args):
    # The measures below (the history's reconstruction, the campaign) rewrite
    # every customer's row: a database whose PostgreSQL vacuums (autovacuum)
    # has reclaimed those dead rows before the next night. Vacuumed here, so
    # that a run does not measure the leftovers of the one before it on a
    # server without autovacuum.
    odoo_env.psql("VACUUM ANALYZE", db=db)
    (day_a, day_b), bench = pick_days(db)
    counts = bench["counts"]
    row = {
        "db": db,
        "customers": bench["customers"],
        "orders": counts["orders"],
        "lines": counts["order_lines"],
    }
    row["nightly"] = spawn("nightly", db, day_a, batch_size=args.batch_size)
    row["floor"] = spawn("floor", db, day_a)
    if args.small_batch:
        row["nightly_small"] = spawn("nightly", db, day_b, batch_size=args.small_batch)
    row["incremental"] = spawn("incremental", db, day_b)
    row["funnel"] = spawn("funnel", db, day_b)
    row["measures"] = spawn("measures", db, day_b)
    row["campaign"] = spawn("campaign", db, day_b)
    if bench["customers"] <= args.naive_max:
        row["compare"] = spawn("compare", db, day_b)
    return row


def render(rows, args):
    def fmt(value, spec=".1f"):
        return "–" if value is None else format(value, spec)

    def qrange(values):
        return (
            f"{min(values)}–{max(values)}"
            if min(values) != max(values)
            else str(values[0])
        )

    lines = [
        f"## Five-Customer Loop engine benchmark — {datetime.now():%Y-%m-%d %H:%M}",
        "",
        f"Machine: {os.cpu_count()} cores, PostgreSQL {odoo_env.psql('SHOW server_version')}, "
        f"batch size {args.batch_size} (and {args.small_batch}, for the query-count check "
        "when the largest database holds three batches or more per phase of each).",
        "",
        "| customers | orders | lines | full recompute (s) | SQL floor (s) | engine ÷ floor "
        "| batches | slowest batch (s) "
        f"| queries/batch @{args.batch_size} | queries/batch @{args.small_batch} "
        "| peak RSS (MB) | incremental (s) | funnel (ms) | naive (s) | engine (s) | speed-up | same result |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for r in rows:
        n, floor, small, inc, fun, cmp_ = (
            r["nightly"],
            r["floor"],
            r.get("nightly_small"),
            r["incremental"],
            r["funnel"],
            r.get("compare"),
        )
        lines.append(
            f"| {r['customers']:,} | {r['orders']:,} | {r['lines']:,} | {n['seconds']:.1f} "
            f"| {floor['seconds']:.3f} | {n['seconds'] / floor['seconds']:.0f}× "
            f"| {n['batches']} | {n['slowest_batch']:.1f} | {qrange(n['queries_full'])} "
            f"| {qrange(small['queries_full']) if small else '–'} "
            f"| {n['rss_peak_mb']:.0f} ({n['rss_baseline_mb']:.0f} idle) "
            f"| {inc['seconds']:.2f} ({inc['customers']:,} cust.) | {fun['ms']:.0f} "
            f"| {fmt(cmp_ and cmp_['naive_s'])} | {fmt(cmp_ and cmp_['engine_s'])} "
            f"| {fmt(cmp_ and cmp_['speedup'], '.0f')}{'×' if cmp_ else ''} "
            f"| {('yes' if cmp_['identical'] else '**NO**') if cmp_ else '–'} |"
        )
    lines += [
        "",
        "Measures built from the order history, and the dashboard:",
        "",
        "| customers | return rates, 12 months (s) | rows | queries "
        "| Attract conversion (s) | rows | history reconstruction (s) | rows "
        "| months | sample: differ / month-ends | dashboard (ms) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        m = r["measures"]
        lines.append(
            f"| {r['customers']:,} | {m['return_rates']['seconds']:.2f} "
            f"| {m['return_rates']['rows']:,} | {m['return_rates']['queries']} "
            f"| {m['conversion']['seconds']:.2f} | {m['conversion']['rows']:,} "
            f"| {m['reconstruction']['seconds']:.1f} "
            f"| {m['reconstruction']['rows']:,} | {m['reconstruction']['months']} "
            f"| {m['reconstruction']['sample']['mismatches']} of "
            f"{m['reconstruction']['sample']['month_ends']} "
            f"| {m['dashboard_ms']:.0f} |"
        )
    lines += ["", "### Targets (largest database)", ""]
    big = max(rows, key=lambda r: r["customers"])
    ten = [r for r in rows if r["customers"] == 10_000]
    cmps = [r["compare"] for r in rows if r.get("compare")]
    checks = [
        ("full recompute ≤ 60 s", big["nightly"]["seconds"], TARGETS["nightly_s"], "s"),
        (
            "incremental ≤ 10 s",
            big["incremental"]["seconds"],
            TARGETS["incremental_s"],
            "s",
        ),
        (
            "every cron batch ≤ 30 s",
            max(
                big["nightly"]["slowest_batch"],
                (big.get("nightly_small") or big["nightly"])["slowest_batch"],
            ),
            TARGETS["batch_s"],
            "s",
        ),
        (
            "peak memory < 500 MB",
            max(
                big["nightly"]["rss_peak_mb"],
                (big.get("nightly_small") or big["nightly"])["rss_peak_mb"],
            ),
            TARGETS["rss_mb"],
            "MB",
        ),
        (
            "funnel server time ≤ 300 ms",
            big["funnel"]["ms"],
            TARGETS["funnel_ms"],
            "ms",
        ),
    ]
    checks += [
        (
            "return rates of 12 months ≤ 10 s",
            big["measures"]["return_rates"]["seconds"],
            TARGETS["return_rates_s"],
            "s",
        ),
        (
            "history reconstruction (two years) ≤ 60 s",
            big["measures"]["reconstruction"]["seconds"],
            TARGETS["reconstruction_s"],
            "s",
        ),
        (
            "reconstructed history = month-end rules (sample), mismatches",
            big["measures"]["reconstruction"]["sample"]["mismatches"],
            0,
            "",
        ),
        (
            "dashboard server time ≤ 300 ms",
            big["measures"]["dashboard_ms"],
            TARGETS["dashboard_ms"],
            "ms",
        ),
        (
            "campaign enrolment (the loyal fifth) ≤ 30 s",
            big["campaign"]["enrol"]["seconds"],
            TARGETS["campaign_enrol_s"],
            "s",
        ),
        (
            "campaign results ≤ 5 s",
            big["campaign"]["results"]["seconds"],
            TARGETS["campaign_results_s"],
            "s",
        ),
    ]
    if ten and ten[0] is not big:
        checks.append(
            (
                "funnel ≤ 1.5× its time at 10k",
                big["funnel"]["ms"] / ten[0]["funnel"]["ms"],
                TARGETS["funnel_ratio"],
                "×",
            )
        )
    lines += ["| target | measured | |", "|---|---:|:---:|"]
    for label, value, limit, unit in checks:
        lines.append(
            f"| {label} | {value:.2f} {unit} | {'pass' if value <= limit else '**FAIL**'} |"
        )
    for c, r in zip(cmps, [r for r in rows if r.get("compare")], strict=True):
        lines.append(
            f"| ≥ 20× faster than naive ({r['customers']:,}) | {c['speedup']:.0f}× "
            f"| {'pass' if c['speedup'] >= TARGETS['speedup'] else '**FAIL**'} |"
        )
        lines.append(
            f"| same result as naive ({r['customers']:,}) | {'identical' if c['identical'] else 'DIFFERENT'} "
            f"| {'pass' if c['identical'] else '**FAIL**'} |"
        )
    for r in rows:
        # the figures have one home: every paying customer must have a row there
        missing = r["nightly"]["funnel_missing"]
        lines.append(
            f"| funnel rows of customers with paid orders ({r['customers']:,}) "
            f"| funnel rows missing: {missing} | {'pass' if missing == 0 else '**FAIL**'} |"
        )
    if big.get("nightly_small"):
        lines.append(query_check_line(big, args))
    lines += [
        "",
        "<details><summary>Raw measures</summary>",
        "",
        "```json",
        json.dumps(rows, indent=1, default=str),
        "```",
        "</details>",
        "",
    ]
    return "\n".join(lines)


def query_check_line(row, args):
    """The check that the queries of a batch do not depend on its size.

    A batch's queries vary with what it has to write (stage moves, tier
    activities) and with its place in its phase (see ``steady_queries``), not
    with its size: in each phase, the middle batches ten times bigger must not
    bring more queries than that variation. A query per customer would
    multiply them by ten.
    """
    check = row.get("query_check")
    if check:
        large, small = check["large"], check["small"]
        sizes = (
            f"batches of {check['sizes'][0]:,} vs {check['sizes'][1]:,}: fewer than "
            f"3 batches of {args.batch_size:,} per phase"
        )
    else:
        large, small = row["nightly"], row["nightly_small"]
        sizes = f"batches of {args.batch_size:,} vs {args.small_batch:,}"
    most, most_small = steady_queries(large), steady_queries(small)
    phases = sorted(set(most) & set(most_small))
    names = {"0": "stats", "1": "classify"}
    label = (
        "| queries per batch independent of batch size (most per batch of each "
        f"phase, first and last left out; {sizes}) "
    )
    if not phases:
        return label + "| no middle batch to compare | **FAIL** |"
    growth = max(most[phase] / most_small[phase] for phase in phases)
    measured = ", ".join(
        f"{names.get(phase, phase)} {most[phase]} vs {most_small[phase]}"
        for phase in phases
    )
    return (
        label + f"| {measured} (×{growth:.2f}) "
        f"| {'pass' if growth <= TARGETS['query_growth'] else '**FAIL**'} |"
    )


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", action="append", required=True)
    parser.add_argument("--batch-size", type=int, default=10000)
    parser.add_argument("--small-batch", type=int, default=1000)
    parser.add_argument(
        "--naive-max",
        type=int,
        default=10000,
        help="run the naive comparison on databases up to this many customers",
    )
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--day", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        result = WORKERS[args.worker](
            argparse.Namespace(db=args.db[0], day=args.day, batch_size=args.batch_size)
        )
        print("RESULT " + json.dumps(result, default=str))
        return
    rows = [bench_db(db, args) for db in args.db]
    rows.sort(key=lambda r: r["customers"])
    big = rows[-1]
    if big.get("nightly_small") and not comparable(
        big["nightly"], big["nightly_small"]
    ):
        big["query_check"] = query_check_runs(big, args)
    report = render(rows, args)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{date.today().isoformat()}.md"
    path.write_text(report)
    print(report)
    print(f"\nWritten to {path}")


if __name__ == "__main__":
    main()
