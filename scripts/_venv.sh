# shellcheck shell=bash
# Shared by scripts/test and scripts/demo (sourced, not run): one .venv at the
# repository root, filled from pyproject.toml, and a stamp per dependency list
# so that a second run skips pip entirely.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
VPY="$VENV/bin/python"
# The interpreter .venv is made from; ../shared/toolchain/install-python3.14 puts it here.
PYTHON="${PYTHON:-/usr/local/bin/python3.14}"
# Built from source on Python 3.14 (no wheels on PyPI); only the voice pipeline
# (assist_pipeline) imports them, so the demo goes on without them if they fail.
VOICE_PACKAGES=(pymicro-vad pyspeex-noise)
SKIPPED_FILE="$VENV/.gsm_gateway-skipped-packages"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

python_ok() {
    "$1" -c 'import sys; sys.exit(sys.version_info < (3, 14, 2))' 2>/dev/null
}

ensure_venv() {
    if [ -x "$VPY" ] && python_ok "$VPY"; then
        return
    fi
    if ! { [ -x "$PYTHON" ] && python_ok "$PYTHON"; }; then
        die "Python >= 3.14.2 not found at $PYTHON.
On a machine without it, first install it: ../shared/toolchain/install-python3.14
(or point PYTHON=/path/to/python3.14 at one)."
    fi
    if [ -e "$VENV" ]; then
        say "replacing .venv (its Python is missing or older than 3.14.2)"
        rm -rf "$VENV"
    fi
    say "creating .venv with $("$PYTHON" --version)"
    "$PYTHON" -m venv "$VENV"
    "$VPY" -m pip install --disable-pip-version-check -q --upgrade pip
}

# stamp_matches NAME FILE...: true when NAME was installed from exactly these inputs.
stamp_of() { { "$VPY" --version; cat "$@"; } | sha256sum | cut -d' ' -f1; }
stamp_matches() {
    local name=$1; shift
    [ -f "$VENV/.gsm_gateway-$name.stamp" ] && [ "$(cat "$VENV/.gsm_gateway-$name.stamp")" = "$(stamp_of "$@")" ]
}
stamp_write() {
    local name=$1; shift
    stamp_of "$@" >"$VENV/.gsm_gateway-$name.stamp"
}

pip_install() { "$VPY" -m pip install --disable-pip-version-check -q "$@"; }

# The optional-dependency groups of pyproject.toml named as arguments (those
# that exist), one requirement a line. The project itself is not installed:
# Home Assistant loads custom_components/ from the tree.
pyproject_requirements() {
    "$VPY" - "$ROOT/pyproject.toml" "$@" <<'EOF'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    extras = tomllib.load(f)["project"].get("optional-dependencies", {})
for group in sys.argv[2:]:
    print("\n".join(extras.get(group, [])))
EOF
}

# What the tests need: the `test` extra, and the `e2e` extra once tests/e2e exists.
install_test_requirements() {
    local groups=(test) reqs="$VENV/.gsm_gateway-test-requirements.txt"
    [ -d "$ROOT/tests/e2e" ] && groups+=(e2e)
    pyproject_requirements "${groups[@]}" >"$reqs"
    if stamp_matches test "$reqs"; then
        say "test requirements up to date (${groups[*]})"
        return
    fi
    say "installing test requirements (${groups[*]}) into .venv"
    pip_install -r "$reqs"
    stamp_write test "$reqs"
}

# What a running Home Assistant server needs beyond the test requirements: the
# frontend and the requirements of everything default_config pulls in, pinned
# as the installed Home Assistant pins them (manifests + package_constraints.txt).
install_server_requirements() {
    local reqs="$VENV/.gsm_gateway-server-requirements.txt" helper="$ROOT/scripts/_server_requirements.py"
    local inputs=("$VENV/.gsm_gateway-test-requirements.txt" "$ROOT/custom_components/gsm_gateway/manifest.json" "$helper" "$ROOT/scripts/_venv.sh")
    if [ -f "$reqs" ] && stamp_matches server "${inputs[@]}"; then
        say "Home Assistant server requirements up to date"
        return
    fi
    say "installing Home Assistant server requirements (frontend, default_config) into .venv"
    local constraints
    constraints="$("$VPY" -c 'import homeassistant, pathlib; print(pathlib.Path(homeassistant.__file__).parent / "package_constraints.txt")')"
    "$VPY" "$helper" --skip "${VOICE_PACKAGES[@]}" >"$reqs"
    pip_install -c "$constraints" -r "$reqs"

    # The voice packages compile C++ against Python's headers; Debian's
    # pyconfig.h includes a multiarch header relative to the include root,
    # which the unpacked toolchain Python does not put on the compiler path.
    local voice include log="$VENV/.gsm_gateway-voice-build.log"
    voice="$("$VPY" "$helper" --only "${VOICE_PACKAGES[@]}")"
    include="$("$VPY" -c 'import pathlib, sysconfig; print(pathlib.Path(sysconfig.get_paths()["include"]).parent)')"
    : >"$SKIPPED_FILE"
    say "building ${VOICE_PACKAGES[*]} (C++, for Assist's voice pipeline)"
    # shellcheck disable=SC2086
    if ! CPPFLAGS="-I$include ${CPPFLAGS:-}" pip_install -c "$constraints" $voice >"$log" 2>&1; then
        say "could not build ${VOICE_PACKAGES[*]} (see $log): Home Assistant will skip them and the voice pipeline (assist_pipeline, and so cloud, mobile_app) will not load"
        printf '%s\n' "${VOICE_PACKAGES[@]}" >"$SKIPPED_FILE"
    fi
    stamp_write server "${inputs[@]}"
}

# Packages Home Assistant must not try to pip-install at start-up (they failed above).
skipped_packages() {
    if [ -s "$SKIPPED_FILE" ]; then
        paste -sd, "$SKIPPED_FILE"
    fi
}

# Hook for tests/e2e: a headless browser from Debian, installed only when missing.
ensure_chromium() {
    if command -v chromium >/dev/null 2>&1; then
        return
    fi
    say "installing Debian chromium for tests/e2e"
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null \
        || { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null; } \
        || die "could not install chromium (needed by tests/e2e); install it with: apt-get install chromium"
}
