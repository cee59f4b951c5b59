#!/usr/bin/env bash
# The main job at demo size: draw the Track task, train FC, FF and one partially recurrent architecture
# (4 seeds each, the paper's 100 000 episodes), sweep their robustness to sensor noise, export FC to ONNX and evaluate
# the exported policy, and ends with the analysis report (runs/demo/report/report.html). Results stay in runs/demo.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=runs/demo
rm -rf "$out"
prnn() { node bin/run.js "$@"; }

prnn env render --maze track --path shortest --shade 0
prnn train --arch fc,ff,hh+oh --seeds 4 --episodes 100000 --curve-points 20 --out "$out"
prnn eval --run "$out" --noise 0:0.5:11
prnn export --run "$out" --arch fc --seed 0 --out "$out/fc.onnx"
prnn eval --policy "$out/fc.onnx" --noise 0:0.5:11
prnn analyze --run "$out" --out "$out/report"
