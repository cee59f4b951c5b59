#!/usr/bin/env bash
# Every benchmark behind BENCHMARKS.md, one JSON line each (medians of repeats).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
prnn() { node bin/run.js "$@"; }

echo "env:          $(prnn env bench --json)"
echo "train:        $(prnn bench train --json --workers 1)"
echo "train 2 cores:$(prnn bench train --json --population 128 --workers 2)"
echo "train generic:$(prnn bench train --json --path generic --workers 1)"
echo "eval:         $(prnn bench eval --json)"
echo "eval general: $(prnn bench eval --maze general --levels-per-batch 1,7,21 --json)"
echo "eval 2 cores: $(prnn bench eval --maze general --workers 2 --json)"
echo "sweep:        $(prnn bench sweep --json)"
echo "analyze:      $(prnn bench analyze --json)"
echo "train memory: $(node scripts/bench-train-memory.mjs)"
# the browser viewer (needs Chromium at /usr/bin/chromium): four networks of a short run
if [ -x "${PRNN_CHROMIUM:-/usr/bin/chromium}" ]; then
  [ -f runs/view/run.json ] || prnn train --arch fc,ff,hh+oh,ii+hh --seeds 1 --episodes 20000 --out runs/view --json >/dev/null
  echo "view:         $(prnn bench view --run runs/view --json)"
else
  echo "view:         skipped (no Chromium; apt-get install -y chromium)"
fi
