"""Run in `odoo shell` after installing the addon: check the backfill."""

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
    [("partner_id", "in", (alice | bob).ids)]
)
if history != 2:
    errors.append(f"{history} stage history rows, expected 2")
print("VERIFY", "FAILED" if errors else "OK")
for error in errors:
    print("  ", error)
