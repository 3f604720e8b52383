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
    TEMPLATE=$(template_db)
    extra=(--template "$TEMPLATE")
fi
export ODOO_SRC FCL_DB_USER="$DB_USER"
exec "$PY" "$ROOT/bench/$script.py" "${extra[@]}" "$@"
