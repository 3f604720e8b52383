"""Upgrade a database made by an earlier version and check nothing moved.

Usage (from the repository root)::

    tools/bench.sh upgrade_check --db fcl_bench_10k

The database is left untouched: a copy (``<db>_upgrade``) is upgraded with
``-u five_customer_loop`` by the code of this checkout. Before and after, the
check reads every customer's figures per company (the company-dependent
columns of ``res_partner`` up to 18.0.1.1.0, ``loop_member`` in 18.0.1.2.0,
``loop_customer`` since), the stage
and tier histories and the funnel's counts per stage, and compares them: it
prints the digests and the rows that differ, and exits non-zero if any do, or
if the till's bridge addon is not installed after the upgrade, or the orders
the tills sent (``loop_pos_sync``) are not all still there, or what names a POS
record (home stores, the card moves' orders and shops, the lines' staff and
packages, the card payment methods, the snapshots per store, the referral
rewards' first orders: the bridge's since 18.0.1.5.0) differs.
"""

import argparse
import hashlib
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import odoo_env  # noqa: E402  (puts Odoo on sys.path)


def _columns():
    """The figures of loop_customer (days since the last visit is computed when
    read since 18.0.1.2.0 and is not among them)."""
    from odoo.addons.five_customer_loop.models.loop_customer import FIGURES

    return tuple(FIGURES)


def _rows(db, sql):
    out = odoo_env.psql(sql, db=db)
    return [line.split("|") for line in out.splitlines() if line]


def _has_jsonb_figures(db):
    return bool(
        odoo_env.psql(
            """SELECT 1 FROM information_schema.columns
                WHERE table_name = 'res_partner' AND column_name = 'loop_stage_id'
                  AND data_type = 'jsonb'""",
            db=db,
        )
    )


def _normal(value):
    """One text form for a value read from jsonb or from a typed column."""
    if value in ("", "f", "false"):
        return ""
    if value in ("t", "true"):
        return "t"
    try:
        number = float(value)
    except ValueError:
        return value.replace("T", " ")
    return f"{number:.2f}"


def _table_columns(db):
    """The figures present in ``db`` (a version adds some: 18.0.1.3.0 prospect)."""
    if _has_jsonb_figures(db):
        return _columns()
    present = {
        row[0]
        for row in _rows(
            db,
            f"""SELECT column_name FROM information_schema.columns
                 WHERE table_name = '{_table(db)}'""",
        )
    }
    return tuple(col for col in _columns() if col in present)


def _table(db):
    """The figures' table: ``loop_member`` in 18.0.1.1.0 and 18.0.1.2.0."""
    found = _rows(
        db,
        """SELECT table_name FROM information_schema.tables
            WHERE table_name IN ('loop_customer', 'loop_member')
            ORDER BY table_name""",
    )
    return found[0][0]


def figures(db, columns=None):
    """``{(partner_id, company_id): (value, ...)}`` over the figure columns.

    ``columns``: those to read (by default every figure of the table).
    """
    columns = columns or _table_columns(db)
    if _has_jsonb_figures(db):
        present = {
            row[0]
            for row in _rows(
                db,
                """SELECT column_name FROM information_schema.columns
                    WHERE table_name = 'res_partner' AND data_type = 'jsonb'""",
            )
        }
        values = ", ".join(
            f"COALESCE(p.loop_{c}->>c.id::text, '')" if f"loop_{c}" in present else "''"
            for c in columns
        )
        keys = " OR ".join(
            f"p.loop_{c} ? c.id::text" for c in columns if f"loop_{c}" in present
        )
        sql = f"""SELECT p.id, c.id, {values}
                    FROM res_partner p CROSS JOIN res_company c WHERE {keys}"""
    else:
        values = ", ".join(f"COALESCE(m.{c}::text, '')" for c in columns)
        sql = f"SELECT m.partner_id, m.company_id, {values} FROM {_table(db)} m"
    result = {}
    for row in _rows(db, sql):
        normal = tuple(_normal(value) for value in row[2:])
        if any(normal):
            result[(int(row[0]), int(row[1]))] = normal
    return result


def histories(db, entered=()):
    """Digest and count of the stage and tier histories.

    ``entered``: ``(partner, company)`` pairs left out (prospects who entered
    the loop with the upgrade start their histories then).
    """
    pairs = ", ".join(f"({p}, {c})" for p, c in entered)
    where = f"WHERE (partner_id, company_id) NOT IN (VALUES {pairs})" if pairs else ""
    return {
        table: _rows(
            db,
            f"""SELECT md5(string_agg(t::text, ',' ORDER BY t.id)), COUNT(*)
                  FROM (SELECT id, partner_id, company_id, date, {columns}
                          FROM {table} {where}) t""",
        )[0]
        for table, columns in (
            (
                "loop_stage_history",
                "stage_from_id, stage_to_id, kind, reason, date_end",
            ),
            ("loop_tier_history", "tier_from_id, tier_to_id, direction, spend_12m"),
        )
    }


def funnel(db):
    return sorted(
        tuple(row)
        for row in _rows(
            db,
            f"""SELECT m.company_id, COALESCE(m.stage_id::text, '-'), COUNT(*)
                  FROM {_table(db)} m WHERE m.active
                 GROUP BY 1, 2""",
        )
    )


def _entered(db, keys):
    """``{(partner, company): (company, stage)}`` of new rows without a visit.

    A new row with a paid visit is not a prospect: it is left out, and so
    reported among the rows that differ.
    """
    if not keys:
        return {}
    rows = _rows(
        db,
        f"""SELECT m.partner_id, m.company_id, m.company_id,
                   COALESCE(m.stage_id::text, '-')
              FROM {_table(db)} m
             WHERE COALESCE(m.visit_count, 0) = 0 AND m.prospect""",
    )
    found = {(int(p), int(c)): (company, stage) for p, c, company, stage in rows}
    return {key: found[key] for key in keys if key in found}


def _wrong_prospects(db):
    """Rows marked prospect with a visit, or unmarked without one (0 when right)."""
    if "prospect" not in _table_columns(db):
        return 0
    return int(
        _rows(
            db,
            f"""SELECT COUNT(*) FROM {_table(db)}
                 WHERE COALESCE(prospect, FALSE) <> (COALESCE(visit_count, 0) = 0)""",
        )[0][0]
    )


def till(db):
    """The till's side: the state of its bridge addon (``five_customer_loop_pos``
    since 18.0.1.4.0, part of the main addon before) and the orders the tills
    sent (``loop_pos_sync``, when the database has it)."""
    state = _rows(
        db,
        "SELECT state FROM ir_module_module WHERE name = 'five_customer_loop_pos'",
    )
    has_log = _rows(db, "SELECT to_regclass('loop_pos_sync') IS NOT NULL")
    received = (
        _rows(db, "SELECT COUNT(*) FROM loop_pos_sync")[0][0]
        if has_log[0][0] == "t"
        else None
    )
    return (state[0][0] if state else None), received


def _column(db, table, column):
    return _rows(
        db,
        f"""SELECT 1 FROM information_schema.columns
             WHERE table_name = '{table}' AND column_name = '{column}'""",
    )


def pos_data(db):
    """What names a POS record, as ``{what: digest}``: the same whether the
    main addon or the POS bridge declares the columns."""
    reward_order = (
        "substring(order_ref from ',([0-9]+)$')::int"
        if _column(db, "loop_referral_reward", "order_ref")
        else "order_id"
    )
    queries = {
        "home stores": "SELECT id, loop_store_id FROM res_partner"
        " WHERE loop_store_id IS NOT NULL",
        "card moves' orders and shops": "SELECT id, pos_order_id, pos_config_id"
        " FROM loop_card_move WHERE pos_order_id IS NOT NULL"
        " OR pos_config_id IS NOT NULL",
        "lines' staff and packages": "SELECT id, loop_staff_id, loop_card_id"
        " FROM pos_order_line WHERE loop_staff_id IS NOT NULL"
        " OR loop_card_id IS NOT NULL",
        "card payment methods": "SELECT id FROM pos_payment_method WHERE loop_is_card",
        "snapshots": "SELECT company_id, month, COALESCE(config_id, 0),"
        " COALESCE(tier_id, 0), active_start, new_count, retained_count, spend"
        " FROM loop_retention_snapshot",
        "referral rewards' first orders": f"SELECT id, {reward_order}"
        " FROM loop_referral_reward",
    }
    result = {}
    for what, sql in queries.items():
        rows = sorted(tuple(row) for row in _rows(db, sql))
        result[what] = (len(rows), digest(dict(enumerate(rows))))
    return result


def digest(rows):
    text = "\n".join(f"{key}:{value}" for key, value in sorted(rows.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db", required=True, help="database made by an earlier version"
    )
    args = parser.parse_args(argv)
    odoo_env.configure(args.db)  # the addons path, to read the figure columns
    copy = f"{args.db}_upgrade"
    odoo_env.drop_db(copy)
    # a plain copy: odoo_env.create_db would install the addon into it
    subprocess.run(
        ["createdb", "-U", odoo_env.DB_USER, "-T", args.db, copy], check=True
    )
    if not _has_jsonb_figures(copy):
        print(f"note: {args.db} already keeps its figures in {_table(copy)}")
    columns = _table_columns(copy)
    before = figures(copy, columns), histories(copy), funnel(copy)
    till_before = till(copy)
    pos_before = pos_data(copy)
    started = time.monotonic()
    log = Path(f"/tmp/{copy}.log")
    odoo_env.run_odoo_bin(
        copy, "-u", "five_customer_loop", "--stop-after-init", "--no-http", log_path=log
    )
    seconds = time.monotonic() - started
    after_figures = figures(copy, columns)
    # people reached before (referred, booked, entered with a channel) enter
    # the loop as prospects with 18.0.1.3.0: new rows, in Attract, no visit
    entered = _entered(copy, set(after_figures) - set(before[0]))
    after = after_figures, histories(copy, entered), funnel(copy)
    differ = sorted(
        key
        for key in set(before[0]) | set(after[0])
        if key not in entered and before[0].get(key) != after[0].get(key)
    )
    expected_funnel = Counter({(c, s): int(n) for c, s, n in before[2]})
    for key in entered.values():
        expected_funnel[key] += 1
    after_funnel = Counter({(c, s): int(n) for c, s, n in after[2]})
    wrong_prospects = _wrong_prospects(copy)
    print(f"upgrade of {args.db} (copy {copy}) in {seconds:.1f} s, log {log}")
    print(f"figures: {len(before[0])} rows before, {len(after[0])} after")
    kept = {key: value for key, value in after[0].items() if key not in entered}
    print(
        f"  digest before {digest(before[0])}, after {digest(kept)} (without the entered)"
    )
    print(f"  rows that differ: {len(differ)}")
    for key in differ[:10]:
        print(f"    {key}: {before[0].get(key)} -> {after[0].get(key)}")
    for table in before[1]:
        print(f"{table}: before {before[1][table]}, after {after[1][table]}")
    print(
        f"entered as prospects: {len(entered)} (every one without a paid visit, "
        f"in {sorted({stage for _c, stage in entered.values()})})"
    )
    print(f"rows whose prospect mark contradicts their visits: {wrong_prospects}")
    funnel_ok = expected_funnel == after_funnel
    print(
        f"funnel counts equal (plus the prospects who entered): {funnel_ok} "
        f"({len(after[2])} columns)"
    )
    till_after = till(copy)
    till_ok = till_after[0] == "installed" and till_after[1] == till_before[1]
    print(
        f"the till's bridge: {till_before[0] or 'absent'} -> {till_after[0]}; "
        f"orders received from tills: {till_before[1]} -> {till_after[1]}"
    )
    pos_after = pos_data(copy)
    for what, value in pos_before.items():
        print(
            f"{what}: {value[0]} rows {value[1]} -> {pos_after[what][0]} rows {pos_after[what][1]}"
        )
    ok = (
        pos_before == pos_after
        and not differ
        and before[1] == after[1]
        and funnel_ok
        and not wrong_prospects
        and till_ok
    )
    print("UPGRADE CHECK " + ("OK" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as error:
        sys.exit(f"failed: {error}")
