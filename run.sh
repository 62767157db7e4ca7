#!/bin/sh
# Sets up the pinned environment from uv.lock, then runs one of:
#   ./run.sh build [akhbar build options]   build a release (default input: samples/)
#   ./run.sh test  [pytest options]         run the whole test suite
#   ./run.sh dev [dagster dev options]      open the Dagster UI (akhbar dev)
#   ./run.sh system-deps                    install the Debian packages the tests drive: chromium,
#                                           chromium-driver (tests/e2e/test_browser.py) and redis-server
#                                           (tests/e2e/test_celery.py); `browser-deps` is the old name
# Needs only python3 (3.11+) with pip and venv; uv is installed into .tools/.
set -eu
cd "$(dirname "$0")"

# Debian's chromium and chromium-driver, as tests/e2e/test_browser.py drives them, and redis-server,
# the Celery broker of tests/e2e/test_celery.py. Nothing to do when all three are there; otherwise
# apt-get (as root, or through sudo) installs the missing ones, quietly, failing loudly.
system_deps() {
  missing=""
  [ -x /usr/bin/chromium ] || missing="$missing chromium"
  [ -x /usr/bin/chromedriver ] || missing="$missing chromium-driver"
  [ -x /usr/bin/redis-server ] || missing="$missing redis-server"
  if [ -z "$missing" ]; then
    return 0
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "run.sh: apt-get not found; install /usr/bin/chromium, /usr/bin/chromedriver and" \
      "/usr/bin/redis-server (Debian packages chromium, chromium-driver, redis-server)" >&2
    exit 1
  fi
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo=sudo
  fi
  echo "run.sh: installing$missing with apt-get" >&2
  log=$(mktemp)
  # $missing is unquoted on purpose: one word per package.
  if ! { $sudo apt-get update -qq \
    && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing; } \
    >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "run.sh: apt-get could not install$missing (output above)" >&2
    exit 1
  fi
  rm -f "$log"
  for path in /usr/bin/chromium /usr/bin/chromedriver /usr/bin/redis-server; do
    if [ ! -x "$path" ]; then
      echo "run.sh: apt-get finished but $path is missing" >&2
      exit 1
    fi
  done
}

command="${1:-}"
[ $# -gt 0 ] && shift
case "$command" in
  system-deps | browser-deps) system_deps; exit 0 ;;
  build | test | dev) ;;
  *) echo "usage: ./run.sh build|test|dev|system-deps [options]" >&2; exit 2 ;;
esac

UV_VERSION=0.13.9
if [ ! -x .tools/bin/uv ] || [ "$(.tools/bin/uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  python3 -m venv .tools
  .tools/bin/python -m pip install --quiet "uv==$UV_VERSION"
fi
# --compile-bytecode: the packages come with their .pyc files. uv leaves them out by default,
# and where PYTHONDONTWRITEBYTECODE is set Python never writes them: every run and every
# worker compiled dagster, great_expectations and pandas from source again (about 4 s of
# each build). compileall does the same for the project's own packages.
# The interpreter's real path, not a shim's (pyenv): given the shim, uv judged .venv foreign and
# recreated it on every call (about 20 s each, and concurrent calls broke it half-way).
UV_PYTHON_DOWNLOADS=never .tools/bin/uv sync --locked --extra test --quiet --compile-bytecode \
  --python "$(python3 -c 'import sys; print(sys.executable)')"
.venv/bin/python -m compileall -q akhbar assets pipelines
case "$command" in
  build) exec .venv/bin/akhbar build "$@" ;;
  test) exec .venv/bin/python -m pytest -n 2 --dist loadfile "$@" ;;
  dev) exec .venv/bin/akhbar dev "$@" ;;
esac
