#!/usr/bin/env bash
# The documentation's pictures (each addon's static/description/), taken
# from the demo database that `make run` serves, as its store manager in Chinese.
#   make run            # in another terminal: http://127.0.0.1:8069
#   tools/doc_shots.sh
source "$(dirname "$0")/common.sh"
need_odoo
URL="${FCL_URL:-http://127.0.0.1:8069}"
DB="${FCL_DB:-five_customer_loop_demo}"
OUT="$ROOT/five_customer_loop/static/description"
shot() {
    "$PY" "$ROOT/tools/screenshot.py" --url "$URL" --login manager --password manager \
        --lang zh-CN --tz Asia/Shanghai --settle 12 "$@"
}
# the demo customer with the most visits, the one the archive pictures show
partner=$(psql -d "$DB" -Atc "SELECT partner_id FROM loop_customer
                               ORDER BY visit_count DESC, partner_id LIMIT 1")
till=$(psql -d "$DB" -Atc "SELECT c.id FROM pos_config c
                            JOIN pos_config_pos_payment_method_rel r ON r.pos_config_id = c.id
                            JOIN pos_payment_method m ON m.id = r.pos_payment_method_id
                           WHERE m.loop_is_card ORDER BY c.id LIMIT 1")
# the till's customers: one holding a stored-value card, one regular without a card
holder=$(psql -d "$DB" -Atc "SELECT p.name FROM loop_card c
                              JOIN res_partner p ON p.id = c.partner_id
                             WHERE c.kind = 'value' AND c.state = 'active'
                             ORDER BY c.id LIMIT 1")
newcomer=$(psql -d "$DB" -Atc "SELECT p.name FROM loop_customer m
                                JOIN res_partner p ON p.id = m.partner_id
                               WHERE NOT EXISTS (SELECT 1 FROM loop_card c
                                                  WHERE c.partner_id = p.id)
                               ORDER BY m.visit_count DESC, p.id LIMIT 1")
steps() {  # the steps file $1 with the customers' names put in
    local out
    out=$(mktemp --suffix=.json)
    sed -e "s/{holder}/$holder/g" -e "s/{newcomer}/$newcomer/g" "$ROOT/tools/shots/$1.json" >"$out"
    echo "$out"
}
shot "$OUT/funnel.png" /odoo/action-five_customer_loop.loop_customer_action_funnel
shot "$OUT/dashboard.png" /odoo/action-five_customer_loop.loop_dashboard_action
shot "$OUT/return_rates.png" /odoo/action-five_customer_loop.loop_return_rate_action
shot "$OUT/attract_conversion.png" /odoo/action-five_customer_loop.loop_channel_conversion_action
shot "$OUT/stage_history.png" /odoo/action-five_customer_loop.loop_stage_history_action
shot --height 1400 --steps "$ROOT/tools/shots/customer_archive.json" "$OUT/customer_archive.png" "/odoo/action-five_customer_loop.res_partner_action_loop_customers/$partner"
shot "$OUT/bookings.png" /odoo/action-five_customer_loop.calendar_event_action_loop_booking
shot "$OUT/cohorts.png" /odoo/action-five_customer_loop.loop_cohort_analysis_action
campaign=$(psql -d "$DB" -Atc "SELECT id FROM loop_campaign WHERE state = 'done' ORDER BY id LIMIT 1")
shot --height 1000 --steps "$ROOT/tools/shots/campaign.json" "$OUT/campaign.png" "/odoo/action-five_customer_loop.loop_campaign_action/$campaign"
shot "$OUT/campaigns.png" /odoo/action-five_customer_loop.loop_campaign_action
shot --steps "$ROOT/tools/shots/staff_kpis.json" "$OUT/staff_kpis.png" /odoo/action-five_customer_loop.loop_staff_kpi_wizard_action
POS="$ROOT/five_customer_loop_pos/static/description"
shot --steps "$(steps pos_card_sale)" "$POS/pos_card_sale.png" "/pos/ui?config_id=$till"
shot --steps "$(steps pos_card_payment)" "$POS/pos_card_payment.png" "/pos/ui?config_id=$till"
# the booking page as a visitor sees it, tomorrow, the first bookable service
visitor() {
    "$PY" "$ROOT/tools/screenshot.py" --url "$URL" --login "" --lang zh-CN \
        --tz Asia/Shanghai --settle 6 "$@"
}
WEB="$ROOT/five_customer_loop_website/static/description"
service=$(psql -d "$DB" -Atc "SELECT p.id FROM product_product p
                               JOIN product_template t ON t.id = p.product_tmpl_id
                              WHERE t.loop_bookable ORDER BY t.id LIMIT 1")
tomorrow=$(psql -d "$DB" -Atc "SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date + 1")
first="${tomorrow}T14:00"
visitor --width 390 --height 1450 "$WEB/booking_phone.png" "/zh_CN/book?store=1&services=$service&day=$tomorrow"
visitor --width 390 --height 844 "$WEB/booking_confirm_phone.png" "/zh_CN/book/confirm?store=1&services=$service&start=$first"
visitor --width 1280 --height 1100 "$WEB/booking_desktop.png" "/zh_CN/book?store=1&services=$service&day=$tomorrow"
# the demo customer's own page (login customer, made by the online booking demo)
"$PY" "$ROOT/tools/screenshot.py" --url "$URL" --login customer --password customer \
    --lang zh-CN --tz Asia/Shanghai --settle 6 --width 390 --height 844 \
    "$WEB/portal_phone.png" /zh_CN/my/loop
# the receipt's order is paid for real: the last picture of the demo's till
shot --height 1300 --steps "$(steps pos_receipt)" "$OUT/pos_receipt.png" "/pos/ui?config_id=$till"
ODOO_SRC="$ODOO_SRC" FCL_DB_USER="$DB_USER" "$PY" "$ROOT/tools/report_shots.py" --db "$DB" "$OUT"
