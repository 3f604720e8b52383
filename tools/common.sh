# Shared settings of the set-up, run and test commands (sourced, not executed).
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ADDON=five_customer_loop
# Every addon of this repository (the till's bridge installs itself with the
# POS, the sale bridge with sale, the job-queue bridge with OCA queue_job;
# online booking needs the website).
ADDONS="five_customer_loop,five_customer_loop_pos,five_customer_loop_sale,five_customer_loop_website,five_customer_loop_queue"
# What the demo (make run) installs: the loop, its till and its online booking.
DEMO_ADDONS="five_customer_loop,five_customer_loop_pos,five_customer_loop_website"
# The addons with user-visible strings: each ships its i18n/zh_CN.po.
TRANSLATED="five_customer_loop five_customer_loop_pos five_customer_loop_website five_customer_loop_queue"
# Where Odoo 18.0 Community lives: a source tree with odoo-bin in it.
ODOO_SRC="${ODOO_SRC:-/opt/odoo-18.0}"
# The virtual environment, kept outside the checkout so clean clones reuse it.
CACHE_DIR="${FCL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/five_customer_loop}"
VENV="${FCL_VENV:-$CACHE_DIR/venv}"
PY="$VENV/bin/python"
DB_HOST="${PGHOST:-}"
DB_USER="${FCL_DB_USER:-$(id -un)}"
BASE_MODULES="contacts,mail,calendar,point_of_sale,sale,website"
# What the loop alone needs: the test command proves it installs and passes its
# own tests without the POS (or sale, or accounting).
LEAN_MODULES="contacts,mail,calendar,product,web_hierarchy"

die() {
    echo "ERROR: $*" >&2
    exit 2
}

need_odoo() {
    if [ ! -f "$ODOO_SRC/odoo-bin" ] || [ ! -f "$ODOO_SRC/odoo/release.py" ]; then
        cat >&2 <<MSG
ERROR: Odoo 18.0 Community was not found at ODOO_SRC=$ODOO_SRC.
  This project runs its tests against real Odoo and never skips them.
  'make setup' clones Odoo 18.0 Community there (ODOO_GIT_URL names another
  repository or a local mirror). Or provide an Odoo 18.0 source tree (with
  odoo-bin in it) yourself and point ODOO_SRC at it, e.g.:
      ODOO_GIT_URL=file:///srv/mirrors/odoo.git make setup
      ODOO_SRC=/path/to/odoo-18.0 make test
MSG
        exit 3
    fi
    local version
    version=$(sed -n "s/^version_info = (\([0-9]*\), \([0-9]*\).*/\1.\2/p" "$ODOO_SRC/odoo/release.py")
    [ "$version" = "18.0" ] || die "ODOO_SRC=$ODOO_SRC holds Odoo $version, not 18.0."
}

need_postgres() {
    if [ "$DB_USER" = "postgres" ]; then
        die "Odoo must not connect as 'postgres': set FCL_DB_USER to another role."
    fi
    if ! psql -d postgres -U "$DB_USER" -Atc 'select 1' >/dev/null 2>&1; then
        cat >&2 <<MSG
ERROR: PostgreSQL is not reachable as role '$DB_USER' (PGHOST='${PGHOST:-local socket}').
  Start it (Debian: pg_ctlcluster <version> main start) and create the role:
      sudo -u postgres createuser --createdb $DB_USER
MSG
        exit 4
    fi
}

FILESTORE="${FCL_DATA_DIR:-$HOME/.local/share/Odoo}/filestore"

clone_db() {  # template new_db: the database and its filestore
    createdb -T "$1" "$2"
    rm -rf "${FILESTORE:?}/$2"
    if [ -d "$FILESTORE/$1" ]; then cp -a "$FILESTORE/$1" "$FILESTORE/$2"; fi
}

drop_db() {
    dropdb --if-exists "$1" >/dev/null 2>&1 || true
    rm -rf "${FILESTORE:?}/$1"
}

odoo_cmd() {  # [shell] options...
    local sub=() clock=()
    if [ "${1:-}" = shell ]; then sub=(shell); shift; fi
    # FCL_CLOCK=N: the Odoo process, and the browser it starts, live N days
    # ahead of the real date (Debian's libfaketime); PostgreSQL keeps its clock.
    if [ "${FCL_CLOCK:-0}" != 0 ]; then clock=(faketime -f "+${FCL_CLOCK}d"); fi
    "${clock[@]}" "$PY" "$ODOO_SRC/odoo-bin" "${sub[@]}" --addons-path="$ODOO_SRC/addons,$ROOT" \
        --db_user="$DB_USER" ${DB_HOST:+--db_host="$DB_HOST"} "$@"
}

# The template database holding Odoo's modules we depend on, without demo data,
# named after Odoo's tree and the module list (rebuilt when either changes).
# Prints its name; builds it first when missing (about two minutes).
template_db() {  # [log] [modules, default BASE_MODULES]
    local rev name log="${1:-/dev/null}" modules="${2:-$BASE_MODULES}"
    rev=$(cd "$ODOO_SRC" && { git rev-parse --short HEAD 2>/dev/null || cat odoo/release.py; } | sha1sum | cut -c1-8)
    name="fcl_tmpl_$(echo "$rev $modules" | sha1sum | cut -c1-10)"
    if ! psql -d postgres -Atc "select 1 from pg_database where datname='$name'" | grep -q 1; then
        echo "== building template database $name ($modules, about two minutes)" >&2
        createdb "${name}_wip" 2>/dev/null || { dropdb "${name}_wip"; createdb "${name}_wip"; }
        odoo_cmd -d "${name}_wip" -i "$modules" --without-demo=all \
            --stop-after-init --no-http --log-level=warn >"$log" 2>&1 ||
            { [ "$log" = /dev/null ] || tail -n 50 "$log" >&2; die "building the template database failed"; }
        psql -d postgres -qc "ALTER DATABASE \"${name}_wip\" RENAME TO \"$name\""
        rm -rf "${FILESTORE:?}/$name"
        if [ -d "$FILESTORE/${name}_wip" ]; then mv "$FILESTORE/${name}_wip" "$FILESTORE/$name"; fi
    fi
    echo "$name"
}
