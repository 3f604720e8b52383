#!/usr/bin/env bash
# Export the addon's strings with Odoo itself and merge them into i18n/.
source "$(dirname "$0")/common.sh"
need_odoo
DB="fcl_i18n_$$"
trap 'drop_db "$DB"' EXIT
TEMPLATE=$(template_db)
clone_db "$TEMPLATE" "$DB"
odoo_cmd -d "$DB" -i "$ADDONS" --without-demo=all --stop-after-init --no-http --log-level=warn
for addon in $TRANSLATED; do
    pot=$(mktemp --suffix=.pot)
    odoo_cmd -d "$DB" --i18n-export="$pot" --modules="$addon" --stop-after-init --no-http --log-level=warn
    echo "$addon:"
    "$PY" "$ROOT/tools/i18n.py" merge "$pot" "$addon"
done
