"""Run in `odoo shell` AFTER uninstalling the addon: the database still works."""

env = env  # noqa: F821 - provided by odoo shell
errors = []
if "loop.engine" in env.registry:
    errors.append("the loop models are still in the registry")
env.cr.execute(
    "SELECT column_name FROM information_schema.columns "
    "WHERE table_name = 'res_partner' AND column_name LIKE 'loop\\_%'"
)
if env.cr.fetchall():
    errors.append("loop columns are left on res_partner")
alice = env["res.partner"].search([("name", "=", "Existing Alice")])
orders = env["pos.order"].search([("partner_id", "=", alice.id)])
if len(orders) != 3 or sum(orders.mapped("amount_total")) != 400.0:
    errors.append(f"POS orders changed: {len(orders)} orders")
env["res.partner"].create({"name": "After Uninstall"}).read(["name", "email"])
print("UNINSTALL", "FAILED" if errors else "OK")
for error in errors:
    print("  ", error)
