#!/usr/bin/env bash
# Every benchmark behind the README's "Measured figures", one JSON line each (medians of repeats).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
prnn() { node bin/run.js "$@"; }

echo "env:          $(prnn env bench --json)"
echo "train fused:  $(prnn bench train --json --workers 1)"
echo "train 2 cores:$(prnn bench train --json --population 128 --workers 2)"
echo "train generic:$(prnn bench train --json --path generic --workers 1)"
echo "eval:         $(prnn bench eval --json)"
echo "sweep:        $(prnn bench sweep --json)"
echo "analyze:      $(prnn bench analyze --json)"
