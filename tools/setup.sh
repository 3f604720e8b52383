#!/usr/bin/env bash
# Set-up: system packages, a virtual environment with Odoo's and our test
# requirements, and a check that PostgreSQL answers.
source "$(dirname "$0")/common.sh"

# Odoo 18.0 Community itself: a shallow clone of its 18.0 branch when ODOO_SRC
# holds no Odoo yet (ODOO_GIT_URL may name a mirror, e.g. file:///srv/odoo.git).
if [ ! -e "$ODOO_SRC" ] || [ -z "$(ls -A "$ODOO_SRC" 2>/dev/null)" ]; then
    url="${ODOO_GIT_URL:-https://github.com/odoo/odoo.git}"
    echo "Fetching Odoo 18.0 Community from $url into $ODOO_SRC (a shallow clone)"
    mkdir -p "$(dirname "$ODOO_SRC")"
    git clone -q --depth 1 --branch 18.0 --single-branch "$url" "$ODOO_SRC" ||
        die "could not clone Odoo 18.0 from $url: set ODOO_GIT_URL to a reachable mirror, or ODOO_SRC to an Odoo 18.0 tree."
fi
need_odoo

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    missing=()
    for pkg in chromium wkhtmltopdf libldap2-dev libsasl2-dev libpq-dev poppler-utils fonts-noto-cjk faketime; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "Installing system packages: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
fi

# One stamp per set of requirements already installed into the environment.
want=$(cat "$ODOO_SRC/requirements.txt" "$ROOT/requirements.txt" "$ROOT/test-requirements.txt" "$ROOT/tools/setup.sh" | sha1sum | cut -c1-16)
stamp="$VENV/.fcl-requirements-$want"
if [ ! -x "$PY" ] || [ ! -f "$stamp" ]; then
    echo "Installing the requirements into the virtual environment $VENV"
    mkdir -p "$CACHE_DIR"
    [ -x "$PY" ] || python3 -m venv "$VENV"
    constraints="$CACHE_DIR/constraints.txt"
    # cbor2 5.4 does not build with setuptools 80 and later.
    echo 'setuptools<80' >"$constraints"
    # setuptools 70 or later: the pkg_resources of older ones does not find
    # zope.interface (installed as zope_interface), and Odoo's gevent worker,
    # which multi-worker Odoo starts, stops there.
    PIP_CONSTRAINT="$constraints" "$VENV/bin/pip" install -q --upgrade pip wheel 'setuptools>=70'
    # pip 25.3 and later no longer apply PIP_CONSTRAINT to build environments:
    # PIP_BUILD_CONSTRAINT does (older pip ignores it).
    PIP_CONSTRAINT="$constraints" PIP_BUILD_CONSTRAINT="$constraints" "$VENV/bin/pip" install -q \
        -r "$ODOO_SRC/requirements.txt" -r "$ROOT/requirements.txt" -r "$ROOT/test-requirements.txt"
    # OCA queue_job (18.0, from PyPI) for the job-queue bridge: without its
    # "odoo" requirement, which this source tree of Odoo is. 18.0.3.1.0 is the
    # last release whose test helpers import from Odoo 18.0's first release.
    "$VENV/bin/pip" install -q --no-deps 'odoo-addon-queue_job==18.0.3.1.0'
    touch "$stamp"
fi
need_postgres
echo "Set-up done: Odoo at $ODOO_SRC, Python at $PY, PostgreSQL reachable as $DB_USER."
