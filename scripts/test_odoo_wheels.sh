#!/usr/bin/env bash
# The addons as integrators install them (issue 15.6): `pip install odoo-addon-rcep_eco` into
# an Odoo environment brings the core with it.
#
#   scripts/test_odoo_wheels.sh ODOO_PATH ODOO_VENV CONSTRAINTS   (scripts/test_odoo.sh calls it)
#
# 1. Builds the core's wheel (setuptools) and each addon's `odoo-addon-<name>` wheel (whool,
#    the OCA build backend; odoo_addon/*/pyproject.toml) into build/odoo-wheels/dist, each
#    rebuilt only when its tracked files change.
# 2. A throwaway environment sees the Odoo test environment's installed packages (a read-only
#    view of ODOO_VENV without our own distributions) and the Odoo tree, registered as the
#    `odoo` distribution the way `pip install -e` registers it (dist-info + .pth; nothing is
#    written into the tree).
# 3. pip installs the five addons there by name, offline (--no-index, no pip config), with
#    Odoo's pins as constraints: the core can only come by name from its local wheel, and a
#    requirement outside what Odoo's environment holds fails. Only our own distributions may be
#    added (nothing of Odoo's moves), `pip check` passes, `odoo.addons.<name>` imports from the
#    installed wheel, Odoo's own manifest reader finds it there, and its version is the wheel's
#    and the source manifest's.
# Any failure prints one line, "Odoo tests FAILED (addon wheels): …" (logs in build/odoo-wheels/).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ODOO_PATH="$1"
ODOO_VENV="$2"
CONSTRAINTS="$3"
ADDONS=(rcep_eco rcep_eco_stock rcep_eco_website rcep_eco_mrp rcep_eco_mrp_website)
OUT="$ROOT/build/odoo-wheels"
DIST="$OUT/dist"
LOGS="$OUT/logs"
mkdir -p "$DIST" "$LOGS"
started=$(date +%s)
fail() {
    echo "Odoo tests FAILED (addon wheels): $*" >&2
    exit 1
}
# --- 1. build (cached) --------------------------------------------------------------------
BUILD_VENV="$OUT/build-venv"
BUILD_REQS="whool>=1.3,<2 setuptools>=77 wheel"
if [[ "$(cat "$BUILD_VENV/.requirements" 2>/dev/null)" != "$BUILD_REQS" ]]; then
    rm -rf "$BUILD_VENV"
    "${ODOO_PYTHON:-python3}" -m venv "$BUILD_VENV"
    # (The build tools come from the package index, as any build backend's do.)
    # shellcheck disable=SC2086
    "$BUILD_VENV/bin/python" -m pip install --quiet $BUILD_REQS \
        >"$LOGS/build-venv.log" 2>&1 || fail "could not install the build tools ($LOGS/build-venv.log)"
    echo "$BUILD_REQS" >"$BUILD_VENV/.requirements"
fi

# From here on pip reads no configuration (file or PIP_* variable): no index, no machine-wide
# find-links; only what this script names.
while read -r var; do unset "$var"; done < <(env | grep -oE '^PIP_[A-Z_]+')
export PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1

# What a wheel is built from: the files git tracks (what whool packages), as they are now.
source_key() { git -C "$ROOT" ls-files -z -- "$@" | (cd "$ROOT" && xargs -0 sha256sum) | sha256sum | cut -c1-64; }

build() { # build NAME WHEEL_PREFIX SOURCE_DIR KEY_PATHS...
    local name="$1" prefix="$2" src="$3"
    shift 3
    local key
    key="$(source_key "$@" "$src/pyproject.toml")"
    if [[ "$(cat "$DIST/.$name.key" 2>/dev/null)" == "$key" ]] && compgen -G "$DIST/$prefix-*.whl" >/dev/null; then
        return
    fi
    rm -f "$DIST/$prefix"-*.whl
    "$BUILD_VENV/bin/python" -m pip wheel --quiet --no-deps --no-build-isolation \
        --wheel-dir "$DIST" "$src" >"$LOGS/build-$name.log" 2>&1 ||
        fail "the $name wheel did not build ($LOGS/build-$name.log)"
    compgen -G "$DIST/$prefix-*.whl" >/dev/null || fail "building $name made no $prefix-*.whl"
    echo "$key" >"$DIST/.$name.key"
    built+=("$name")
}
built=()
build originlink originlink "$ROOT" originlink pyproject.toml README.md
for addon in "${ADDONS[@]}"; do
    build "$addon" "odoo_addon_$addon" "$ROOT/odoo_addon/$addon" "odoo_addon/$addon"
done

# --- 2. a throwaway environment that sees the Odoo test environment -------------------------
CHECK="$OUT/check-venv"
rm -rf "$CHECK" "$OUT/odoo-env-view"
"${ODOO_PYTHON:-python3}" -m venv --without-pip "$CHECK"
SITE="$("$CHECK/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
ODOO_SITE="$("$ODOO_VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
VIEW="$OUT/odoo-env-view"
mkdir -p "$VIEW"
for entry in "$ODOO_SITE"/*; do
    base="$(basename "$entry")"
    case "$base" in
    originlink* | __editable__* | *.pth | odoo_addon_* | odoo-* | odoo | __pycache__) ;;
    *) ln -s "$entry" "$VIEW/$base" ;;
    esac
done
echo "$VIEW" >"$SITE/odoo-test-environment.pth"
odoo_version="$("$ODOO_VENV/bin/python" -c "
import runpy, sys
print(runpy.run_path(sys.argv[1])['version'])" "$ODOO_PATH/odoo/release.py")"
mkdir -p "$SITE/odoo-$odoo_version.dist-info"
printf 'Metadata-Version: 2.1\nName: odoo\nVersion: %s\n' "$odoo_version" \
    >"$SITE/odoo-$odoo_version.dist-info/METADATA"
echo "source tree $ODOO_PATH" >"$SITE/odoo-$odoo_version.dist-info/INSTALLER"
: >"$SITE/odoo-$odoo_version.dist-info/RECORD"
echo "$ODOO_PATH" >"$SITE/odoo.pth"

# --- 3. pip install by name, then prove it ----------------------------------------------------
pip_check() { "$ODOO_VENV/bin/python" -m pip --python "$CHECK/bin/python" "$@"; }
dists=()
for addon in "${ADDONS[@]}"; do dists+=("odoo-addon-$addon"); done
pip_check install --no-index --find-links "$DIST" -c "$CONSTRAINTS" "${dists[@]}" \
    >"$LOGS/install.log" 2>&1 ||
    fail "pip could not install the addons by name within Odoo's environment and pins: $(grep -E '^ERROR' "$LOGS/install.log" | head -1) ($LOGS/install.log)"
pip_check check >"$LOGS/pip-check.log" 2>&1 || fail "pip check: $(head -1 "$LOGS/pip-check.log")"
added="$(pip_check list --path "$SITE" --format=freeze 2>/dev/null | tr 'A-Z_' 'a-z-' | sort | paste -sd' ')"
expected="$( (echo "odoo==$odoo_version" "originlink==$(cd "$ROOT" && "$BUILD_VENV/bin/python" -c \
    'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
    for addon in "${ADDONS[@]}"; do
        echo "odoo-addon-$addon==$("$BUILD_VENV/bin/python" -c \
            'import ast, sys; print(ast.literal_eval(open(sys.argv[1]).read())["version"])' \
            "$ROOT/odoo_addon/$addon/__manifest__.py")"
    done) | tr ' ' '\n' | tr 'A-Z_' 'a-z-' | sort | paste -sd' ')"
[[ "$added" == "$expected" ]] ||
    fail "the environment holds [$added], expected exactly [$expected] (our wheels, by manifest version, and nothing of Odoo's moved)"
# (-I and another working directory: nothing of the source tree on the path.)
(cd "$CHECK" && "$CHECK/bin/python" -I - "$SITE" "$ODOO_PATH" "${ADDONS[@]}") \
    >"$LOGS/import.log" 2>&1 <<'EOF' ||
import importlib, importlib.metadata, sys
from pathlib import Path

site, odoo_path, addons = Path(sys.argv[1]).resolve(), sys.argv[2], sys.argv[3:]
from odoo.modules.module import Manifest, initialize_sys_path
from odoo.tools import config

# Odoo's standard addons only, as odoo-bin sets them: ours must come from the wheels.
config.parse_config(["--addons-path", f"{odoo_path}/addons"], setup_logging=False)
initialize_sys_path()

for name in addons:
    module = importlib.import_module(f"odoo.addons.{name}")
    where = Path(module.__file__).resolve()
    assert where.is_relative_to(site), f"odoo.addons.{name} imported from {where}, not the wheel"
    manifest = Manifest.for_addon(name)
    assert manifest and Path(manifest.path).resolve().is_relative_to(site), f"Odoo finds {name} at {manifest and manifest.path}"
    wheel = importlib.metadata.version(f"odoo-addon-{name}")
    assert manifest["version"] == wheel, f"{name}: manifest {manifest['version']} != wheel {wheel}"
core = importlib.import_module("originlink")
assert Path(core.__file__).resolve().is_relative_to(site), f"originlink imported from {core.__file__}"
print("ok")
EOF
    fail "$(grep -E 'Error|error' "$LOGS/import.log" | tail -1) ($LOGS/import.log)"
echo "Odoo wheels: ${#ADDONS[@]} addons + the core built${built:+ (rebuilt: ${built[*]})} and installed by" \
    "name next to Odoo's pins; odoo.addons.* import from the wheels at their manifest versions" \
    "($(($(date +%s) - started)) s)"
