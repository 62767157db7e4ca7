#!/bin/sh
# Sets up the pinned environment from uv.lock, then runs one of:
#   ./run.sh build [akhbar build options]   build a release (default input: samples/)
#   ./run.sh test  [pytest options]         run the whole test suite
#   ./run.sh dev                            open the Dagster UI (dagster dev)
#   ./run.sh browser-deps                   install Chromium and chromedriver (Debian packages
#                                           chromium, chromium-driver) for tests/test_browser.py
# Needs only python3 (3.11+) with pip and venv; uv is installed into .tools/.
set -eu
cd "$(dirname "$0")"

# Debian's chromium and chromium-driver, as tests/test_browser.py drives them. Nothing to do when
# both are there; otherwise apt-get (as root, or through sudo), quietly, failing loudly.
browser_deps() {
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    return 0
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "run.sh: apt-get not found; install Chromium and its chromedriver as /usr/bin/chromium" \
      "and /usr/bin/chromedriver (Debian packages chromium, chromium-driver)" >&2
    exit 1
  fi
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo=sudo
  fi
  echo "run.sh: installing chromium and chromium-driver with apt-get" >&2
  log=$(mktemp)
  if ! { $sudo apt-get update -qq \
    && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } \
    >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "run.sh: apt-get could not install chromium and chromium-driver (output above)" >&2
    exit 1
  fi
  rm -f "$log"
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    echo "run.sh: apt-get finished but /usr/bin/chromium or /usr/bin/chromedriver is missing" >&2
    exit 1
  fi
}

command="${1:-}"
[ $# -gt 0 ] && shift
case "$command" in
  browser-deps) browser_deps; exit 0 ;;
  build | test | dev) ;;
  *) echo "usage: ./run.sh build|test|dev|browser-deps [options]" >&2; exit 2 ;;
esac

UV_VERSION=0.13.9
if [ ! -x .tools/bin/uv ] || [ "$(.tools/bin/uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  python3 -m venv .tools
  .tools/bin/python -m pip install --quiet "uv==$UV_VERSION"
fi
UV_PYTHON_DOWNLOADS=never .tools/bin/uv sync --locked --extra test --quiet --python "$(command -v python3)"
case "$command" in
  build) exec .venv/bin/akhbar build "$@" ;;
  test) exec .venv/bin/python -m pytest -n 2 --dist loadfile "$@" ;;
  dev) exec .venv/bin/dagster dev "$@" ;;
esac
