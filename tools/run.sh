#!/usr/bin/env bash
# Run: Odoo on 127.0.0.1:8069 with a database holding the addon and its demo
# data (created on first run, upgraded on the next ones).
source "$(dirname "$0")/common.sh"
"$ROOT/tools/setup.sh"
need_odoo
DB="${FCL_DB:-five_customer_loop_demo}"
PORT="${FCL_PORT:-8069}"
if ! psql -d postgres -Atc "select 1 from pg_database where datname='$DB'" | grep -q 1; then
    echo "Creating $DB with the addon and its demo data (a few minutes the first time)"
    createdb "$DB"
    # a Shanghai chain: the main company in China and in CNY before any
    # accounting exists, so that Odoo's Chinese chart (l10n_cn) is the one the
    # company gets when accounting is installed with the addon
    odoo_cmd -d "$DB" -i base --stop-after-init --no-http
    psql -d "$DB" -qc "UPDATE res_currency SET active = TRUE WHERE name = 'CNY';
        UPDATE res_company SET currency_id = (SELECT id FROM res_currency WHERE name = 'CNY')
         WHERE id = 1;
        UPDATE res_partner SET country_id = (SELECT id FROM res_country WHERE code = 'CN'),
               tz = 'Asia/Shanghai'
         WHERE id = (SELECT partner_id FROM res_company WHERE id = 1);"
    # the chart is loaded when the run that installs l10n_cn ends: the modules
    # whose demo data need it (the tills, the addon's demo) come in a second run
    odoo_cmd -d "$DB" -i l10n_cn --load-language=zh_CN --stop-after-init --no-http
    # the chain (the loop and its tills) first: the online booking's demo gives
    # one of its customers a portal account
    odoo_cmd -d "$DB" -i "${DEMO_ADDONS%,*}" --stop-after-init --no-http
    odoo_cmd -d "$DB" -i "$DEMO_ADDONS" --stop-after-init --no-http
else
    odoo_cmd -d "$DB" -i "$DEMO_ADDONS" -u "$DEMO_ADDONS" --stop-after-init --no-http
fi
echo "Odoo serves http://127.0.0.1:$PORT  (manager: login 'manager', password 'manager'; admin: 'admin'/'admin')"
exec "$PY" "$ODOO_SRC/odoo-bin" --addons-path="$ODOO_SRC/addons,$ROOT" --db_user="$DB_USER" \
    ${DB_HOST:+--db_host="$DB_HOST"} -d "$DB" --db-filter="^$DB\$" \
    --http-interface=127.0.0.1 --http-port="$PORT" "$@"
