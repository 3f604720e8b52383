#!/usr/bin/env bash
# Test: lint, then the whole suite on real Odoo 18.0 in a fresh database.
# Exits non-zero when a test fails, when the log holds an unexpected WARNING or
# ERROR line, or when Odoo cannot be found. It never passes by skipping.
source "$(dirname "$0")/common.sh"
"$ROOT/tools/setup.sh"
need_odoo

LOG_DIR="${FCL_LOG_DIR:-$ROOT/var/log}"
mkdir -p "$LOG_DIR"

if [ "${FCL_SKIP_LINT:-0}" != 1 ]; then
    echo "== lint (pre-commit)"
    (cd "$ROOT" && "$VENV/bin/pre-commit" run --all-files --show-diff-on-failure) ||
        die "lint failed: run 'make lint' and commit the fixes."
fi

TEMPLATE=$(template_db "$LOG_DIR/template.log")

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Lines that Odoo core itself emits on this machine, never our code. Keep short.
ALLOW=(
    # wkhtmltopdf from Debian is not the patched-Qt build: headers are simplified.
    'You need Wkhtmltopdf to print a pdf version of the reports|unpatched qt'
)

check_log() {  # $1 = log file, $2 = label
    local bad
    bad=$(grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' "$1" | grep -vE "$(IFS='|'; echo "${ALLOW[*]}")" || true)
    if [ -n "$bad" ]; then
        echo "$bad" | head -n 40
        echo "$2: the log holds WARNING/ERROR lines (full log: $1)" >&2
        return 1
    fi
}

# Install $3 with the tests tagged $4 into the database $1 (log $2), check the
# log, and add the run's tests to the counts; $5 names the run in the summary.
run_tests() {
    local db="$1" log="$2" addons="$3" tags="$4" label="$5" rc report failed errors total
    local started=$SECONDS
    set +e
    odoo_cmd -d "$db" -i "$addons" --test-enable --test-tags "$tags" \
        --stop-after-init --http-interface=127.0.0.1 --http-port="$(free_port)" \
        --log-level=info --workers=0 --max-cron-threads=0 >"$log" 2>&1
    rc=$?
    set -e
    grep -E '(odoo\.tests\.stats|odoo\.tests\.result|FAIL:|ERROR:|Ran [0-9]+ tests)' "$log" |
        tail -n 40 || true
    [ $rc = 0 ] || { echo "odoo exited with $rc" >&2; status=1; }
    check_log "$log" "$label" || status=1
    report=$(grep -oE '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests when loading' "$log" |
        tail -n 1 || true)
    if [ -z "$report" ]; then
        echo "no test report found in the log: $label ran no test" >&2
        status=1
        report="0 failed, 0 error(s) of 0 tests"
    fi
    read -r failed _ errors _ _ total _ <<<"$(echo "$report" | tr -d '(s)')"
    [ "$total" -gt 0 ] || { echo "no test ran" >&2; status=1; }
    passed=$((passed + total - failed - errors))
    failed_all=$((failed_all + failed + errors))
    echo "== $label: $((total - failed - errors)) passed, $((failed + errors)) failed in $((SECONDS - started)) s"
}

# The passes: the real date, then the clock of the Odoo process (and of the
# browser it starts) moved 1,000 days ahead with libfaketime, so that a test
# reading the real clock fails the day it is written, not months later.
# FCL_CLOCK_SHIFT_DAYS=N runs one pass with the clock moved N days instead.
if [ -n "${FCL_CLOCK_SHIFT_DAYS:-}" ]; then
    SHIFTS=("$FCL_CLOCK_SHIFT_DAYS")
else
    SHIFTS=(0 1000)
fi
if [ "${SHIFTS[*]}" != 0 ] && ! command -v faketime >/dev/null; then
    die "faketime (Debian's libfaketime) is needed to move the clock: run 'make setup' as root, or apt-get install faketime."
fi

status=0
passed=0
failed_all=0
for SHIFT in "${SHIFTS[@]}"; do
    DB="fcl_test_$$_$SHIFT"
    log="$LOG_DIR/test-$SHIFT.log"
    export FCL_CLOCK=$SHIFT
    echo "== pass with the clock moved $SHIFT days ahead: $(date -u -d "+$SHIFT days" +%F)"
    drop_db "$DB"
    clone_db "$TEMPLATE" "$DB"
    echo "== installing $ADDONS with their tests into $DB"
    run_tests "$DB" "$log" "$ADDONS" "${FCL_TEST_TAGS:-/${ADDONS//,/,/}}" "clock +$SHIFT days"
    if [ "$SHIFT" = "${SHIFTS[0]}" ] && [ "${FCL_SKIP_I18N:-0}" != 1 ]; then
        echo "== translations: every string of ours has its Chinese (zh_CN) translation"
        for addon in $TRANSLATED; do
            pot="$LOG_DIR/export_$addon.pot"
            odoo_cmd -d "$DB" --i18n-export="$pot" --modules="$addon" --stop-after-init \
                --no-http --log-level=warn >"$LOG_DIR/i18n.log" 2>&1 ||
                { cat "$LOG_DIR/i18n.log"; status=1; }
            "$PY" "$ROOT/tools/i18n.py" check "$pot" "$addon" || status=1
        done
    fi
    if [ "${FCL_KEEP_DB:-0}" = 1 ]; then echo "kept database $DB"; else drop_db "$DB"; fi

    if [ "$SHIFT" = "${SHIFTS[0]}" ] && [ "${FCL_SKIP_LEAN:-0}" != 1 ]; then
        # the loop needs no POS: installed alone on Odoo without it, its own tests pass
        echo "== the loop alone on an Odoo without the POS ($LEAN_MODULES)"
        lean_db="fcl_lean_$$"
        drop_db "$lean_db"
        clone_db "$(template_db "$LOG_DIR/template-lean.log" "$LEAN_MODULES")" "$lean_db"
        run_tests "$lean_db" "$LOG_DIR/test-lean.log" "$ADDON" "/$ADDON" "the loop alone"
        installed=$(psql -d "$lean_db" -Atc "SELECT string_agg(name, ',' ORDER BY name)
            FROM ir_module_module WHERE state = 'installed'
             AND name IN ('point_of_sale', 'account', 'sale', 'five_customer_loop_pos')")
        [ -z "$installed" ] || { echo "the loop alone pulled in: $installed" >&2; status=1; }
        drop_db "$lean_db"
    fi

    if [ "${FCL_SKIP_EXISTING:-0}" != 1 ]; then
        echo "== installing into a database that already holds customers and POS orders"
        "$ROOT/tools/check_existing_db.sh" "$TEMPLATE" || status=1
    fi
done

echo "$passed passed, $failed_all failed"
exit $status
