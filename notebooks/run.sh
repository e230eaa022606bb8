#!/usr/bin/env bash
# Installs the notebooks' pinned Python requirements into a virtual environment and executes every
# notebook against one Iceberg warehouse; exits non-zero when a cell fails. Needs only python3 and
# PyPI. `notebooks/run.sh --help` for the options.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"

usage() {
  cat <<EOF
usage: notebooks/run.sh --warehouse DIR [--venv DIR] [--out DIR] [--timeout S]
       notebooks/run.sh --install-only [--producer-only] [--venv DIR]

Installs notebooks/requirements.txt (pinned; every transitive version fixed by
notebooks/constraints.txt) into a virtual environment, then executes every notebooks/*.ipynb
with nbclient against the Iceberg warehouse DIR (e.g. the demo's: ./hormesis demo --dir D
writes D/warehouse). Executed copies and figures (PNG) go to --out.

  --warehouse DIR   the lineage warehouse to read (a Hadoop-catalog directory)
  --venv DIR        the environment (default: $root/target/py-venv); reused while the
                    requirements are unchanged
  --out DIR         executed notebooks and figures (default: $root/target/notebooks)
  --timeout S       seconds per cell (default: 600)
  --install-only    install and stop; prints the environment's python launcher (DIR/python)
  --producer-only   with --install-only: only what notebooks/producer.py needs
                    (confluent-kafka, fastavro)
  -h, --help        this text

Uses 'python3 -m venv'; where that is unavailable (no ensurepip), installs with
'pip install --target DIR/site' instead. DIR/python runs the environment's Python either way.
Set PYTHON to use another interpreter than python3.
EOF
}

warehouse="" venv="$root/target/py-venv" out="$root/target/notebooks" timeout=600
install_only=0 producer_only=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --warehouse) warehouse="${2:?--warehouse needs a directory}"; shift 2 ;;
    --venv) venv="${2:?--venv needs a directory}"; shift 2 ;;
    --out) out="${2:?--out needs a directory}"; shift 2 ;;
    --timeout) timeout="${2:?--timeout needs seconds}"; shift 2 ;;
    --install-only) install_only=1; shift ;;
    --producer-only) producer_only=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if [[ $producer_only == 1 && $install_only == 0 ]]; then
  echo "run.sh: --producer-only goes with --install-only" >&2; exit 2
fi
if [[ $install_only == 0 ]]; then
  [[ -n "$warehouse" ]] || { echo "run.sh: --warehouse DIR is required (see --help)" >&2; exit 2; }
  [[ -d "$warehouse" ]] || { echo "run.sh: no warehouse directory '$warehouse'" >&2; exit 2; }
fi
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --timeout must be a positive integer" >&2; exit 2; }

python="${PYTHON:-python3}"
command -v "$python" >/dev/null || { echo "run.sh: $python is needed; install Python 3.10+ first" >&2; exit 1; }
mkdir -p "$venv"
venv="$(cd "$venv" && pwd)"
launcher="$venv/python"

started=$(date +%s)
# The environment: a venv, or a pip --target folder where venv cannot bootstrap pip.
if [[ ! -x "$launcher" ]]; then
  if [[ -z "${HORMESIS_PY_NO_VENV:-}" ]] && "$python" -m venv "$venv" >/dev/null 2>"$venv/venv.err"; then
    printf '#!/bin/sh\nexec "%s/bin/python" "$@"\n' "$venv" > "$launcher"
  else
    echo "run.sh: '$python -m venv' is unavailable here ($(tail -1 "$venv/venv.err" 2>/dev/null)); using pip install --target $venv/site" >&2
    "$python" -m pip --version >/dev/null || { echo "run.sh: neither venv nor pip works for $python" >&2; exit 1; }
    mkdir -p "$venv/site"
    printf '#!/bin/sh\nPYTHONPATH="%s/site${PYTHONPATH:+:$PYTHONPATH}" exec "%s" "$@"\n' \
      "$venv" "$(command -v "$python")" > "$launcher"
  fi
  chmod +x "$launcher"
fi

pip_install() {
  if [[ -d "$venv/site" ]]; then
    "$python" -m pip install --disable-pip-version-check -q --target "$venv/site" --upgrade "$@"
  else
    "$venv/bin/python" -m pip install --disable-pip-version-check -q "$@"
  fi
}

# Install once per content of the requirement files; the full set includes the producer's.
digest="$(cat "$here/requirements.txt" "$here/constraints.txt" | sha256sum | cut -c1-64)"
if [[ $producer_only == 1 ]]; then
  wanted=(producer full)
else
  wanted=(full)
fi
installed=0
for set in "${wanted[@]}"; do
  [[ -f "$venv/.installed-$set" && "$(cat "$venv/.installed-$set")" == "$digest" ]] && installed=1
done
if [[ $installed == 0 ]]; then
  if [[ $producer_only == 1 ]]; then
    mapfile -t pins < <(grep -E '^(confluent-kafka|fastavro)==' "$here/requirements.txt")
    echo "run.sh: installing ${pins[*]} into $venv ..." >&2
    pip_install -c "$here/constraints.txt" "${pins[@]}"
    echo "$digest" > "$venv/.installed-producer"
  else
    echo "run.sh: installing notebooks/requirements.txt into $venv (first time: ~700 MB, a few minutes) ..." >&2
    pip_install -r "$here/requirements.txt" -c "$here/constraints.txt"
    echo "$digest" > "$venv/.installed-full"
  fi
  echo "run.sh: installed in $(( $(date +%s) - started )) s" >&2
fi

if [[ $install_only == 1 ]]; then
  echo "$launcher"
  exit 0
fi

shopt -s nullglob
notebooks=("$here"/*.ipynb)
[[ ${#notebooks[@]} -gt 0 ]] || { echo "run.sh: no notebooks in $here" >&2; exit 1; }
echo "run.sh: executing ${#notebooks[@]} notebooks against $warehouse" >&2
exec_started=$(date +%s)
status=0
"$launcher" "$here/execute.py" --warehouse "$warehouse" --out "$out" --timeout "$timeout" \
  "${notebooks[@]}" || status=$?
echo "run.sh: executed in $(( $(date +%s) - exec_started )) s (total $(( $(date +%s) - started )) s); outputs in $out" >&2
exit $status
