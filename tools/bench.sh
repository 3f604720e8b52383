#!/usr/bin/env bash
# Benchmark: generate a database, run the benchmark, or the kill-and-resume check.
#   tools/bench.sh generate --customers 100000 --db fcl_bench_100k
#   tools/bench.sh benchmark --db fcl_bench_100k [--db fcl_bench_10k ...]
#   tools/bench.sh kill_resume --db fcl_bench_10k
#   tools/bench.sh upgrade_check --db fcl_bench_10k   (a database of an earlier version)
# The scripts live in bench/; they use Odoo's virtual environment and, to create
# databases, the same template database as tools/test.sh (built here if missing).
source "$(dirname "$0")/common.sh"
need_odoo
need_postgres
[ -x "$PY" ] || "$ROOT/tools/setup.sh"
script="${1:?usage: tools/bench.sh generate|benchmark|kill_resume|upgrade_check [options]}"
shift
extra=()
if [ "$script" = generate ]; then
    odoo_rev=$(cd "$ODOO_SRC" && { git rev-parse --short HEAD 2>/dev/null || cat odoo/release.py; } | sha1sum | cut -c1-8)
    TEMPLATE="fcl_tmpl_$(echo "$odoo_rev $BASE_MODULES" | sha1sum | cut -c1-10)"
    if ! psql -d postgres -Atc "select 1 from pg_database where datname='$TEMPLATE'" | grep -q 1; then
        echo "== building template database $TEMPLATE ($BASE_MODULES, about two minutes)"
        createdb "${TEMPLATE}_wip" 2>/dev/null || { dropdb "${TEMPLATE}_wip"; createdb "${TEMPLATE}_wip"; }
        odoo_cmd -d "${TEMPLATE}_wip" -i "$BASE_MODULES" --without-demo=all \
            --stop-after-init --no-http --log-level=warn >/dev/null 2>&1 ||
            die "building the template database failed"
        psql -d postgres -qc "ALTER DATABASE \"${TEMPLATE}_wip\" RENAME TO \"$TEMPLATE\""
    fi
    extra=(--template "$TEMPLATE")
fi
export ODOO_SRC FCL_DB_USER="$DB_USER"
exec "$PY" "$ROOT/bench/$script.py" "${extra[@]}" "$@"
