#!/usr/bin/env bash
# Run the addons' tests (rcep_eco, rcep_eco_website) inside Odoo 19's own test framework.
#
#   scripts/test_odoo.sh              # needs Odoo (ODOO_PATH or /opt/odoo19) and PostgreSQL
#   scripts/test_odoo.sh --if-found   # same, but exit 0 with "SKIPPED" when no Odoo is found
#                                     # (except under CI=true: CI must run them, so it fails)
#
# Steps: find Odoo -> venv .venv-odoo with Odoo's pinned requirements (cached, keyed on the
# requirements and on our pyproject) -> install the originlink core with Odoo's pins as
# constraints and prove nothing pinned moved -> PostgreSQL up -> wkhtmltopdf present (the real
# PDF is tested) -> fresh database, the addons installed -> a copy of it -> the tests in two
# Odoo processes at once (the clerk's tours; the rest) -> parse Odoo's test summaries -> drop
# the databases. Leaves test-artifacts/odoo/certificate.pdf (+ PNG).
# Before the database: the addons built as `odoo-addon-*` wheels and installed by name into a
# throwaway environment that sees this one (scripts/test_odoo_wheels.sh; cached in build/).
# Environment: ODOO_PATH, ODOO_PYTHON (interpreter for the venv, default python3),
# ODOO_DB_USER (PostgreSQL role, default: the current OS user), KEEP_DB=1 (keep the database),
# ORIGINLINK_CLI (the service CLI used by the end-to-end test; default .venv/bin/originlink),
# ODOO_VENV (where to build the Odoo venv; default .venv-odoo), ODOO_TEST_TAGS (narrow the run
# while iterating, e.g. /rcep_eco:TestClerkTours; default: every test of the addons),
# ODOO_TEST_JOBS=1 (install and test in one Odoo process; default 2, see step 4),
# ODOO_WHEELS=1 (check the wheels in a narrowed run too).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IF_FOUND=0
[[ "${1:-}" == "--if-found" ]] && IF_FOUND=1

# --- 1. locate Odoo ------------------------------------------------------------------------
DEFAULT_ODOO=/opt/odoo19
if [[ -z "${ODOO_PATH:-}" ]]; then
    if [[ -x "$DEFAULT_ODOO/odoo-bin" || -f "$DEFAULT_ODOO/odoo-bin" ]]; then
        ODOO_PATH="$DEFAULT_ODOO"
    elif [[ $IF_FOUND == 1 && "${CI:-}" != "true" ]]; then
        echo "Odoo tests SKIPPED: ODOO_PATH not set and no Odoo tree found at $DEFAULT_ODOO."
        echo "  To run them: unpack Odoo 19 (../shared/vendor/README.md), then"
        echo "  ODOO_PATH=/path/to/odoo make test-odoo   (needs PostgreSQL; .ci/run does all this)"
        exit 0
    else
        echo "Odoo tests FAILED: ODOO_PATH not set and no Odoo tree found at $DEFAULT_ODOO" >&2
        exit 2
    fi
fi
if [[ ! -f "$ODOO_PATH/odoo-bin" ]]; then
    echo "Odoo tests FAILED: no odoo-bin in ODOO_PATH=$ODOO_PATH" >&2
    exit 2
fi
ODOO_PATH="$(cd "$ODOO_PATH" && pwd)"
echo "Odoo: $ODOO_PATH"

# --- 2. the Odoo venv, cached and keyed on the requirements ----------------------------------
VENV="${ODOO_VENV:-$ROOT/.venv-odoo}"
PY="$VENV/bin/python"
ART="$ROOT/test-artifacts/odoo"
mkdir -p "$ART"
CONSTRAINTS="$ART/odoo-constraints.txt"
# python-ldap is left out: it has no wheel and needs the libldap2-dev/libsasl2-dev headers,
# and only Odoo's auth_ldap module imports it (not installed by these tests). Everything else
# is installed exactly as Odoo pins it.
grep -viE '^\s*python-ldap' "$ODOO_PATH/requirements.txt" >"$CONSTRAINTS"
# Two cache keys: Odoo's requirements (rebuild the venv) and our pyproject (reinstall the core).
ODOO_KEY="$(sha256sum "$CONSTRAINTS" | cut -d' ' -f1)"
CORE_KEY="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
ODOO_STAMP="$VENV/.odoo-requirements.sha256"
CORE_STAMP="$VENV/.originlink-pyproject.sha256"
# This machine's pip config names local index folders that may not exist: drop that noise.
quiet_pip() { "$PY" -m pip "$@" 2> >(grep -v 'is ignored: it is neither a file nor' >&2); }
if [[ ! -f "$ODOO_STAMP" || "$(cat "$ODOO_STAMP")" != "$ODOO_KEY" ]]; then
    started=$(date +%s)
    echo "Building $VENV with Odoo's requirements (first run: about a minute with wheels cached)"
    rm -rf "$VENV"
    "${ODOO_PYTHON:-python3}" -m venv "$VENV"
    quiet_pip install --quiet --upgrade pip wheel setuptools
    quiet_pip install --quiet -r "$CONSTRAINTS"
    echo "$ODOO_KEY" >"$ODOO_STAMP"
    echo "Odoo requirements installed in $(($(date +%s) - started)) s"
fi
# Odoo's browser tests (HttpCase tours) talk to Chromium over the DevTools websocket: without
# websocket-client Odoo skips them silently. Not in Odoo's requirements.txt (a test-only
# need); pinned here, and it touches nothing Odoo pins.
if ! "$PY" -c "import websocket" 2>/dev/null; then
    quiet_pip install --quiet "websocket-client==1.8.0"
fi
if [[ ! -f "$CORE_STAMP" || "$(cat "$CORE_STAMP")" != "$CORE_KEY" ]]; then
    pinned_names() { grep -oiE '^[a-z0-9._-]+' "$CONSTRAINTS" | tr 'A-Z_' 'a-z-' | sort -u; }
    freeze_pinned() {
        "$PY" -m pip freeze --exclude-editable | tr 'A-Z_' 'a-z-' |
            grep -E "^($(pinned_names | paste -sd'|'))==" | sort
    }
    freeze_pinned >"$ART/freeze-before.txt"
    # The core goes in with Odoo's pins as constraints (no extras): pip refuses rather than
    # upgrade a pinned package; the freeze comparison below proves nothing pinned moved.
    if ! "$PY" -m pip install --quiet -c "$CONSTRAINTS" -e "$ROOT" >"$ART/pip-core.log" 2>&1; then
        grep -v 'is ignored: it is neither a file nor' "$ART/pip-core.log" >&2
        echo "Odoo tests FAILED: originlink cannot be installed within Odoo's pins (above)" >&2
        exit 1
    fi
    "$PY" -c "import originlink.model, originlink.rules" ||
        { echo "Odoo tests FAILED: originlink did not install into $VENV" >&2; exit 1; }
    freeze_pinned >"$ART/freeze-after.txt"
    if ! diff -u "$ART/freeze-before.txt" "$ART/freeze-after.txt"; then
        echo "Odoo tests FAILED: installing originlink changed packages Odoo pins (diff above)" >&2
        exit 1
    fi
    "$PY" -m pip check
    # Only the core is here: a service command must say so in one line, not a traceback.
    if "$VENV/bin/originlink" keys list >"$ART/no-service.txt" 2>&1 ||
        [[ "$(wc -l <"$ART/no-service.txt")" != 1 ]] ||
        ! grep -q "pip install originlink-service" "$ART/no-service.txt"; then
        cat "$ART/no-service.txt" >&2
        echo "Odoo tests FAILED: 'originlink keys' without the service did not answer in one line" >&2
        exit 1
    fi
    echo "originlink installed next to Odoo's pins; $(wc -l <"$ART/freeze-after.txt") pinned" \
        "packages unchanged (test-artifacts/odoo/freeze-*.txt)"
    echo "$CORE_KEY" >"$CORE_STAMP"
else
    echo "Reusing $VENV (requirements unchanged)"
    "$PY" -m pip check >/dev/null
fi

# --- 2b. the addons as pip installs them: wheels built with whool, installed by name next to
# Odoo's pins with the core from its own local wheel (scripts/test_odoo_wheels.sh). A narrowed
# run (ODOO_TEST_TAGS) leaves it out unless ODOO_WHEELS=1.
if [[ -z "${ODOO_TEST_TAGS:-}" || "${ODOO_WHEELS:-}" == 1 ]]; then
    "$ROOT/scripts/test_odoo_wheels.sh" "$ODOO_PATH" "$VENV" "$CONSTRAINTS" ||
        exit 1 # (it said why in one line)
fi

# --- 3. PostgreSQL ---------------------------------------------------------------------------
DB_USER="${ODOO_DB_USER:-$(id -un)}"
if ! pg_isready -q; then
    if [[ $(id -u) == 0 ]] && command -v pg_ctlcluster >/dev/null; then
        read -r ver name _ < <(pg_lsclusters --no-header | head -1)
        echo "Starting PostgreSQL cluster $ver/$name"
        pg_ctlcluster "$ver" "$name" start
        for _ in $(seq 1 30); do pg_isready -q && break; sleep 1; done
    fi
    pg_isready -q || { echo "Odoo tests FAILED: PostgreSQL is not running" >&2; exit 1; }
fi
if [[ $(id -u) == 0 ]] && command -v runuser >/dev/null; then
    # Odoo refuses the "postgres" role; give the current user a superuser role once.
    runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'" |
        grep -q 1 || runuser -u postgres -- createuser -s "$DB_USER"
fi

# --- 4. run the tests on fresh databases -----------------------------------------------------
# The whole suite runs in two phases (ODOO_TEST_JOBS=2, the default): Odoo installs the addons
# once on a fresh database — in test mode, as a test run has it, with no test selected — the
# database and its filestore are copied, and the tests run in two Odoo processes at once, each
# on its own copy: the clerk's tours on one, every other test on the other. Much of a tour's
# time is waiting (Chromium starting, pages loading, the browser shutting down), so on two
# cores the halves overlap (docs/odoo.md has the figures). ODOO_TEST_JOBS=1, or a narrowed run
# (ODOO_TEST_TAGS), installs and tests in one Odoo process.
DB="rcep_eco_test_$$"
LOG="$ART/odoo-test.log"
FILESTORE="$HOME/.local/share/Odoo/filestore" # Odoo keeps one per database
DBS=("$DB")
cleanup() {
    if [[ "${KEEP_DB:-0}" != 1 ]]; then
        for db in "${DBS[@]}"; do
            dropdb -U "$DB_USER" --if-exists "$db" 2>/dev/null || true
            rm -rf "${FILESTORE:?}/$db"
        done
    fi
}
trap cleanup EXIT
dropdb -U "$DB_USER" --if-exists "$DB" 2>/dev/null || true

# The Form RCEP PDF test renders the real PDF: without wkhtmltopdf it would fail, so say why
# up front instead of running 60 s to find out.
if ! command -v wkhtmltopdf >/dev/null; then
    echo "Odoo tests FAILED: wkhtmltopdf not found; Odoo needs it to render the Form RCEP PDF" \
        "(apt-get install wkhtmltopdf)" >&2
    exit 1
fi
# The PDF test leaves certificate.pdf here (page 1 as PNG below) for people to look at.
export RCEP_ECO_ARTIFACTS="$ART"
rm -f "$ART/certificate.pdf" "$ART"/certificate-page1*.png "$ART"/odoo-test*.log "$ART"/odoo-install.log
export ORIGINLINK_CLI="${ORIGINLINK_CLI:-$ROOT/.venv/bin/originlink}"
if [[ ! -x "$ORIGINLINK_CLI" ]]; then
    echo "NOTE: no OriginLink service CLI at $ORIGINLINK_CLI (run 'make install'):" \
        "the end-to-end test will be SKIPPED"
fi
# The addons installed and tested (rcep_eco_website: the shop and portal side, issue 13;
# rcep_eco_mrp: origin from BOMs and supplier declarations, issue 12, with its shop glue
# rcep_eco_mrp_website; its benchmark is tagged
# rcep_eco_mrp_bench, outside this run: bench/bench_odoo_mrp.py).
ADDONS="rcep_eco,rcep_eco_stock,rcep_eco_website,rcep_eco_mrp,rcep_eco_mrp_website"
TEST_TAGS="/rcep_eco,/rcep_eco_stock,/rcep_eco_website,/rcep_eco_mrp,/rcep_eco_mrp_website"
# The first test process: the clerk's tours (from the order and from the delivery); the
# second: every other test. About half the test time each.
TOURS="/rcep_eco:TestClerkTours,/rcep_eco_stock:TestDeliveryTour"
NOT_TOURS="$TEST_TAGS,-${TOURS//,/,-}"
# stock_delivery is installed next to rcep_eco (not a dependency) so that the soft prefill of
# the HS code from its `hs_code` field is tested for real; stock_landed_costs next to
# rcep_eco_mrp, whose material values then include validated landed costs.
INSTALL="$ADDONS,stock_delivery,stock_landed_costs"

# odoo-bin on one database, its output in one log; each run on a free port of its own (the
# HttpCase tests talk to Odoo's HTTP server).
run_odoo() { # DB LOG ODOO-ARGS...
    local db=$1 log=$2 port
    shift 2
    port="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    "$PY" "$ODOO_PATH/odoo-bin" --db_user="$DB_USER" -d "$db" \
        --addons-path="$ODOO_PATH/addons,$ODOO_PATH/odoo/addons,$ROOT/odoo_addon" \
        --without-demo=True --stop-after-init --log-level=test \
        --http-interface=127.0.0.1 --http-port="$port" --workers=0 --max-cron-threads=0 \
        "$@" >"$log" 2>&1
}
errors_in() { grep -hE '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$@" || true; }

JOBS="${ODOO_TEST_JOBS:-2}"
[[ -n "${ODOO_TEST_TAGS:-}" ]] && JOBS=1
started=$(date +%s)
set +e
if [[ "$JOBS" == 1 ]]; then
    echo "Installing and testing $ADDONS on database $DB (log: $LOG)"
    TEST_LOGS=("$LOG")
    run_odoo "$DB" "$LOG" -i "$INSTALL" --test-tags "${ODOO_TEST_TAGS:-$TEST_TAGS}"
    rc=$?
else
    echo "Installing $ADDONS on database $DB (log: test-artifacts/odoo/odoo-install.log)"
    run_odoo "$DB" "$ART/odoo-install.log" -i "$INSTALL" --test-tags rcep_install_only
    rc=$?
    installed=$(($(date +%s) - started))
    install_errors="$(errors_in "$ART/odoo-install.log")"
    if [[ $rc != 0 || -n "$install_errors" ]]; then
        echo "$install_errors" | head -40
        tail -30 "$ART/odoo-install.log"
        echo "Odoo tests FAILED: the addons did not install (odoo-bin exit $rc, ${installed} s)"
        exit 1
    fi
    DBS+=("${DB}_b")
    if ! createdb -U "$DB_USER" -T "$DB" "${DB}_b" ||
        { [[ -d "$FILESTORE/$DB" ]] && ! cp -a "$FILESTORE/$DB" "$FILESTORE/${DB}_b"; }; then
        echo "Odoo tests FAILED: could not copy database $DB for the second test process" >&2
        exit 1
    fi
    echo "Installed in ${installed} s; testing in two Odoo processes: the clerk's tours," \
        "everything else (logs: test-artifacts/odoo/odoo-test-*.log)"
    TEST_LOGS=("$ART/odoo-test-tours.log" "$ART/odoo-test-others.log")
    run_odoo "$DB" "${TEST_LOGS[0]}" --test-tags "$TOURS" &
    tours=$!
    run_odoo "${DB}_b" "${TEST_LOGS[1]}" --test-tags "$NOT_TOURS" &
    others=$!
    wait "$tours"
    rc=$?
    wait "$others"
    rc=$((rc | $?))
    # One log to read (and keep): the install, then each half.
    for f in "$ART/odoo-install.log" "${TEST_LOGS[@]}"; do
        echo "===== $(basename "$f") ====="
        cat "$f"
    done >"$LOG"
fi
set -e
elapsed=$(($(date +%s) - started))

# --- 5. report -------------------------------------------------------------------------------
failed=0 errs=0 total=0
for f in "${TEST_LOGS[@]}"; do
    summary="$(grep -E '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$f" | tail -1 || true)"
    if [[ -z "$summary" ]]; then
        errors_in "$f" | head -40
        tail -30 "$f"
        echo "Odoo tests FAILED: no test summary in $(basename "$f") (odoo-bin exit $rc, ${elapsed} s)"
        exit 1
    fi
    read -r f_failed f_errs f_total < <(echo "$summary" |
        sed -E 's/.* ([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests.*/\1 \2 \3/')
    failed=$((failed + f_failed)) errs=$((errs + f_errs)) total=$((total + f_total))
done
errors="$(errors_in "${TEST_LOGS[@]}")"
if [[ -f "$ART/certificate.pdf" ]] && command -v pdftoppm >/dev/null; then
    pdftoppm -png -r 60 -f 1 -l 1 -singlefile "$ART/certificate.pdf" "$ART/certificate-page1"
    echo "  PDF: test-artifacts/odoo/certificate.pdf (page 1: certificate-page1.png)"
fi
# What the end-to-end test could not check (said in the log by the test itself).
grep -oE '(e2e: [a-z].*|: skipped .*)$' "$LOG" | sed -E 's/^: //; s/^/  note: /' | sort -u || true
skipped="$(grep -cE ': skipped ' "$LOG" || true)"
# Under CI nothing may be skipped: a skipped tour or end-to-end test proves nothing.
if [[ "${CI:-}" == "true" && "$skipped" != 0 ]]; then
    echo "Odoo tests FAILED: $skipped test(s) skipped under CI (notes above)"
    exit 1
fi
if [[ "$failed" == 0 && "$errs" == 0 && "$total" -gt 0 && -z "$errors" && $rc == 0 ]]; then
    echo "Odoo tests: PASSED ($total tests, $skipped skipped, ${elapsed} s${installed:+: installed in ${installed} s, then tests in two processes})"
    exit 0
fi
[[ -n "$errors" ]] && echo "$errors" | head -60
echo "Odoo tests: FAILED ($failed failed, $errs error(s) of $total tests;" \
    "$(echo -n "$errors" | grep -c . || true) ERROR/CRITICAL log lines; odoo-bin exit $rc)"
exit 1
