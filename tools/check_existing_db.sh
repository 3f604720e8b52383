#!/usr/bin/env bash
# Install into a database that already holds customers and paid POS orders,
# check the backfill, then uninstall and check the database still works.
source "$(dirname "$0")/common.sh"
TEMPLATE="$1"
LOG_DIR="${FCL_LOG_DIR:-$ROOT/var/log}"
DB="fcl_existing_$$"
log="$LOG_DIR/existing.log"
trap 'drop_db "$DB"' EXIT
clone_db "$TEMPLATE" "$DB"
shell() { odoo_cmd shell -d "$DB" --no-http --log-level=warn <"$ROOT/tools/checks/$1" 2>&1; }
{
    echo "-- seed"; shell seed_existing.py
    echo "-- install"
    odoo_cmd -d "$DB" -i "$ADDON" --stop-after-init --no-http --log-level=warn 2>&1
    echo "-- verify"; shell verify_existing.py
    echo "-- uninstall"
    echo 'env["ir.module.module"].search([("name", "=", "five_customer_loop")]).button_immediate_uninstall(); env.cr.commit()' |
        odoo_cmd shell -d "$DB" --no-http --log-level=warn 2>&1
    echo "-- verify uninstalled"; shell verify_uninstalled.py
} >"$log"
cat "$log" | grep -E '^(SEEDED|VERIFY|UNINSTALL|  )' || true
if grep -qE ' (WARNING|ERROR|CRITICAL) |Traceback' "$log" || ! grep -q 'VERIFY OK' "$log" || ! grep -q 'UNINSTALL OK' "$log"; then
    echo "existing-database check failed (log: $log)" >&2
    exit 1
fi
echo "existing-database check passed"
