"""Run in `odoo shell` after installing the addon: check the backfill."""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields

env = env  # noqa: F821 - provided by odoo shell
P = env["res.partner"].with_company(env.company)
alice = P.search([("name", "=", "Existing Alice")])
bob = P.search([("name", "=", "Existing Bob")])
carol = P.search([("name", "=", "Existing Carol")])
expected = {
    # 3 visit days, 400 in all, 300 of it in the last 12 months
    alice: {
        "loop_visit_count": 3,
        "loop_visit_count_12m": 2,
        "loop_spend_total": 400.0,
        "loop_spend_12m": 300.0,
        "loop_days_since_visit": 10,
        "loop_stage_id": env.ref("five_customer_loop.stage_retain"),
        "loop_tier_id": env.ref("five_customer_loop.tier_e"),
    },
    # one visit, refunded the next day: spend 0, still one visit
    bob: {
        "loop_visit_count": 1,
        "loop_spend_total": 0.0,
        "loop_stage_id": env.ref("five_customer_loop.stage_attract"),
    },
    # no order: not in the loop
    carol: {"loop_visit_count": 0, "loop_stage_id": env["loop.stage"]},
}
errors = []
for partner, values in expected.items():
    for name, value in values.items():
        if partner[name] != value:
            errors.append(
                f"{partner.name}.{name} = {partner[name]!r}, expected {value!r}"
            )
history = env["loop.stage.history"].search_count(
    [("partner_id", "in", (alice | bob).ids), ("reconstructed", "=", False)]
)
if history != 2:
    errors.append(f"{history} recorded stage history rows, expected 2")
# Alice's history before the install, reconstructed month-end by month-end:
# Attract from the month-end after her visit of 400 days ago, Lost 180 days
# later, and stays that follow each other up to the recorded row
stays = env["loop.stage.history"].search(
    [("partner_id", "=", alice.id)], order="date, id"
)
seeded = fields.Datetime.now().replace(hour=4, minute=0, second=0, microsecond=0)
first_visit = env.company._loop_date(seeded - timedelta(days=400))
month_end = date(first_visit.year, first_visit.month, 1) + relativedelta(
    months=1, days=-1
)
if [s.stage_to_id.code for s in stays[:2]] != ["attract", "lost"] or not all(
    stays[:2].mapped("reconstructed")
):
    errors.append(f"Alice's reconstructed stays: {stays.mapped('stage_to_id.code')}")
elif env.company._loop_date(stays[0].date) != month_end:
    errors.append(f"Alice enters on {stays[0].date}, expected the end of {month_end}")
for before, after in zip(stays, stays[1:], strict=False):
    if before.date_end != after.date:
        errors.append(f"Alice's stays do not follow each other at {after.date}")
print("VERIFY", "FAILED" if errors else "OK")
for error in errors:
    print("  ", error)
