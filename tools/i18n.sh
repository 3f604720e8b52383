#!/usr/bin/env bash
# Export the addon's strings with Odoo itself and merge them into i18n/.
source "$(dirname "$0")/common.sh"
need_odoo
DB="fcl_i18n_$$"
trap 'drop_db "$DB"' EXIT
TEMPLATE=$(psql -d postgres -Atc "select datname from pg_database where datname like 'fcl_tmpl_%' and datname not like '%_wip' limit 1")
[ -n "$TEMPLATE" ] || die "no template database yet: run make test once"
clone_db "$TEMPLATE" "$DB"
odoo_cmd -d "$DB" -i "$ADDON" --stop-after-init --no-http --log-level=warn
pot=$(mktemp --suffix=.pot)
odoo_cmd -d "$DB" --i18n-export="$pot" --modules="$ADDON" --stop-after-init --no-http --log-level=warn
"$PY" "$ROOT/tools/i18n.py" merge "$pot"
