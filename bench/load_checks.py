"""The load test's checks, run on the copy once Odoo has stopped.

Each check returns ``{"passed": bool, "detail": str}``; ``run_all`` runs
them in order, the figures' digest last (it runs a full recompute).
"""

from datetime import date
from unittest import mock

from bench import odoo_env

MONEY = 0.005


def _one(cr, query, params=None):
    cr.execute(query, params or {})
    return cr.fetchone()


def answered_orders(cr, journal):
    """Every order a till got an answer for exists exactly once, paid, under
    the id it was answered with; no order was saved twice."""
    answered = journal.answered
    cr.execute(
        """SELECT u.uuid, COUNT(o.id), MIN(o.id), MIN(o.state)
             FROM unnest(%(uuids)s::varchar[]) AS u(uuid)
             LEFT JOIN pos_order o ON o.uuid = u.uuid
            GROUP BY u.uuid""",
        {"uuids": list(answered)},
    )
    wrong = [
        row
        for row in cr.fetchall()
        if row[1] != 1 or row[2] != answered[row[0]] or row[3] not in ("paid", "done")
    ]
    twice = _one(
        cr,
        """SELECT COUNT(*) FROM (SELECT uuid FROM pos_order WHERE uuid IS NOT NULL
                                  GROUP BY uuid HAVING COUNT(*) > 1) AS d""",
    )[0]
    return {
        "passed": not wrong and not twice and not journal.notes.get("answers_differ"),
        "detail": f"{len(answered)} answered, {len(wrong)} missing or not as "
        f"answered, {twice} uuids saved more than once",
    }


def refused_orders(cr, journal):
    """No order the cards refused was saved (the till keeps it)."""
    refused = [uuid for uuid in journal.refused if uuid not in journal.answered]
    saved = _one(
        cr,
        "SELECT COUNT(*) FROM pos_order WHERE uuid = ANY(%(uuids)s::varchar[])",
        {"uuids": refused},
    )[0]
    return {
        "passed": saved == 0,
        "detail": f"{len(refused)} refused, {saved} of them saved",
    }


def card_payments(cr, plan):
    """Each order paid by card took exactly its card payment off the cards, once."""
    cr.execute(
        """WITH paid AS (
               SELECT p.pos_order_id AS order_id, SUM(p.amount) AS amount
                 FROM pos_payment p
                 JOIN pos_payment_method m ON m.id = p.payment_method_id
                WHERE m.loop_is_card GROUP BY p.pos_order_id),
           moved AS (
               SELECT pos_order_id AS order_id, -SUM(amount) AS amount, COUNT(*) AS n
                 FROM loop_card_move
                WHERE kind = 'consume' AND reversed_move_id IS NULL
                  AND pos_order_id IS NOT NULL
                GROUP BY pos_order_id)
           SELECT COUNT(*) FILTER (WHERE moved.order_id IS NULL
                                      OR abs(paid.amount - moved.amount) > %(money)s),
                  COUNT(*)
             FROM paid LEFT JOIN moved USING (order_id)""",
        {"money": MONEY},
    )
    wrong, orders = cr.fetchone()
    return {
        "passed": wrong == 0,
        "detail": f"{orders} orders paid by card, {wrong} with other moves",
    }


def card_ledgers(cr):
    """Every card's balance and sessions equal its ledger; never below zero."""
    differ = _one(
        cr,
        """SELECT COUNT(*) FROM loop_card c
             LEFT JOIN (SELECT card_id, SUM(amount) AS amount, SUM(sessions) AS sessions
                          FROM loop_card_move GROUP BY card_id) m ON m.card_id = c.id
            WHERE abs(c.balance - COALESCE(m.amount, 0)) > %(money)s
               OR c.sessions_left <> COALESCE(m.sessions, 0)""",
        {"money": MONEY},
    )[0]
    negative = _one(
        cr,
        """SELECT COUNT(DISTINCT card_id) FROM (
               SELECT card_id, SUM(amount) OVER w AS balance
                 FROM loop_card_move
               WINDOW w AS (PARTITION BY card_id ORDER BY id)) AS running
            WHERE balance < -%(money)s""",
        {"money": MONEY},
    )[0]
    cards = _one(cr, "SELECT COUNT(*) FROM loop_card")[0]
    return {
        "passed": differ == 0 and negative == 0,
        "detail": f"{cards} cards, {differ} differ from their ledger, "
        f"{negative} went below zero",
    }


def booking_overlaps(cr):
    """No two active bookings of one staff member overlap."""
    overlaps = _one(
        cr,
        """SELECT COUNT(*) FROM calendar_event a
             JOIN calendar_event b
               ON b.loop_staff_id = a.loop_staff_id AND b.id > a.id
              AND b.start < a.stop AND b.stop > a.start
            WHERE a.is_loop_booking AND b.is_loop_booking AND a.active AND b.active
              AND a.loop_state NOT IN ('no_show', 'cancelled')
              AND b.loop_state NOT IN ('no_show', 'cancelled')""",
    )[0]
    bookings = _one(
        cr,
        """SELECT COUNT(*) FILTER (WHERE loop_state NOT IN ('no_show', 'cancelled')),
                  COUNT(*)
             FROM calendar_event WHERE is_loop_booking AND active""",
    )
    return {
        "passed": overlaps == 0,
        "detail": f"{bookings[1]} bookings ({bookings[0]} active), {overlaps} overlaps",
    }


def figures_digest(db):
    """The figures as the tills, desks and nightly runs left them equal a full
    recompute from scratch (digest of every customer's figures per company).

    Segments are relative to each company's segment thresholds, which every
    full run moves with the day's orders: the recompute keeps the thresholds
    of the last nightly run, those the tills' refreshes classified with.
    The figures before the recompute stay in the table ``load_figures_before``
    of the copy; the detail names the first rows and figures that differ.
    """
    from odoo.addons.five_customer_loop.models.loop_customer import FIGURES

    from bench import kill_resume, runner

    odoo_env.psql(
        "DROP TABLE IF EXISTS load_figures_before; "
        "CREATE TABLE load_figures_before AS SELECT * FROM loop_customer",
        db=db,
    )
    before = kill_resume.digest(db)
    registry = odoo_env.registry(db)
    with mock.patch.object(
        registry["loop.engine"], "_update_segment_thresholds", lambda *args: None
    ):
        runner.cron_run(registry, date.today().isoformat(), force=True)
    after = kill_resume.digest(db)
    keys = ("figures", "funnel_rows")
    passed = all(before[key] == after[key] for key in keys)
    detail = f"before {before['figures']} / after {after['figures']}"
    if not passed:
        differ = " OR ".join(f"b.{c} IS DISTINCT FROM a.{c}" for c in FIGURES)
        columns = ", ".join(
            f"CASE WHEN b.{c} IS DISTINCT FROM a.{c} THEN '{c}:' || "
            f"COALESCE(b.{c}::text, '-') || '>' || COALESCE(a.{c}::text, '-') END"
            for c in FIGURES
        )
        rows = odoo_env.psql(
            f"SELECT COUNT(*) OVER (), a.partner_id, concat_ws(' ', {columns}) "
            "FROM loop_customer a FULL JOIN load_figures_before b "
            "USING (partner_id, company_id) "
            f"WHERE {differ} ORDER BY a.partner_id LIMIT 5",
            db=db,
        )
        detail += "; differ: " + rows.replace("\n", "; ")
    return {"passed": passed, "detail": detail}


def run_all(db, plan, journal):
    checks = {}
    with odoo_env.environment(db) as env:
        cr = env.cr
        checks["orders answered exist once"] = answered_orders(cr, journal)
        checks["refused orders not saved"] = refused_orders(cr, journal)
        checks["card payments moved once"] = card_payments(cr, plan)
        checks["card balances = ledger, never < 0"] = card_ledgers(cr)
        checks["no overlapping bookings"] = booking_overlaps(cr)
    checks["figures = full recompute"] = figures_digest(db)
    return checks
