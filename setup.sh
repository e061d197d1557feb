#!/usr/bin/env bash
# One script, two set-up commands (see README):
#   bash setup.sh lab    install everything, then open the lessons in JupyterLab
#   bash setup.sh test   install everything, then run the whole test suite
set -euo pipefail
cd "$(dirname "$0")"
what="${1:-}"
case "$what" in lab|test) ;; *) echo "usage: bash setup.sh lab|test" >&2; exit 2 ;; esac

# --- system programs: Graphviz's dot (graphs), Chromium (the browser test)
need=()
command -v dot >/dev/null 2>&1 || need+=(graphviz)
if [ "$what" = test ] && ! command -v chromium >/dev/null 2>&1; then need+=(chromium); fi
if [ ${#need[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "setup: installing ${need[*]} with apt-get"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
  elif command -v brew >/dev/null 2>&1; then
    brew install graphviz
    [[ " ${need[*]} " == *" chromium "* ]] && brew install --cask chromium || true
  else
    echo "setup: please install ${need[*]} (conda install -c conda-forge graphviz)" >&2
  fi
fi

# --- Python: a virtual environment with adlab and its extras
python=""
for p in python3.13 python3.12 python3.11 python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python="$p"; break
  fi
done
[ -n "$python" ] || { echo "setup: adlab needs Python 3.11 or newer" >&2; exit 1; }
[ -x .venv/bin/python ] || "$python" -m venv .venv
. .venv/bin/activate
pip_quiet() { python -m pip "$@" 2>&1 | grep -v -e '^WARNING: Location' -e 'is ignored' || true; }
pip_quiet install -q --upgrade pip
extras="lab"; [ "$what" = test ] && extras="test"
python -m pip install -q -e ".[$extras]" 2>&1 | grep -v -e '^WARNING: Location' -e 'is ignored' || true
python -c "import adlab" || { echo "setup: installing adlab failed" >&2; exit 1; }

if [ "$what" = lab ]; then
  root=(); [ "$(id -u)" -eq 0 ] && root=(--allow-root)
  exec jupyter lab "${root[@]}" lessons/
fi
# unit tests, then the lessons run top to bottom under nbval (text outputs compared)
exec python -m pytest tests/ lessons/ --nbval-lax --nbval-current-env \
  --nbval-sanitize-with lessons/nbval_sanitize.cfg "${@:2}"
