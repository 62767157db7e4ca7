#!/bin/sh
# Sets up the pinned environment from uv.lock, then runs one of:
#   ./run.sh build [akhbar build options]   build a release (default input: samples/)
#   ./run.sh test  [pytest options]         run the whole test suite
#   ./run.sh dev                            open the Dagster UI (dagster dev)
# Needs only python3 (3.11+) with pip and venv; uv is installed into .tools/.
set -eu
cd "$(dirname "$0")"
UV_VERSION=0.13.9
if [ ! -x .tools/bin/uv ] || [ "$(.tools/bin/uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  python3 -m venv .tools
  .tools/bin/python -m pip install --quiet "uv==$UV_VERSION"
fi
UV_PYTHON_DOWNLOADS=never .tools/bin/uv sync --locked --extra test --quiet --python "$(command -v python3)"
command="${1:-}"
[ $# -gt 0 ] && shift
case "$command" in
  build) exec .venv/bin/akhbar build "$@" ;;
  test) exec .venv/bin/python -m pytest -n 2 --dist loadfile "$@" ;;
  dev) exec .venv/bin/dagster dev "$@" ;;
  *) echo "usage: ./run.sh build|test|dev [options]" >&2; exit 2 ;;
esac
