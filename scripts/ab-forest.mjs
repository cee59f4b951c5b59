// A/B of the prediction study's random forests: a baseline build of @prnn/analysis vs this worktree's, on the
// networks of a real analysis (a report's analysis.json, e.g. DIR/report/analysis.json of `prnn reproduce`).
// Every one of the 15 forests (3 targets × 5 feature sets, 10-fold cross-validated, 100 trees, depth 9) is
// computed by both builds one after the other, timed by the process's CPU clock, and their out-of-fold
// predictions compared value for value.
// usage: node scripts/ab-forest.mjs BASELINE_ANALYSIS_DIST ANALYSIS_JSON
//   (e.g. packages/analysis/dist built from the commit before and copied elsewhere)
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [baseDist, analysisFile] = process.argv.slice(2);
if (!baseDist || !analysisFile) {
  console.error('usage: node scripts/ab-forest.mjs BASELINE_ANALYSIS_DIST ANALYSIS_JSON');
  process.exit(2);
}
const here = resolve(dirname(fileURLToPath(import.meta.url)), '../packages/analysis/dist');
const load = (dist, file) => import(pathToFileURL(resolve(dist, file)).href);
const base = await load(baseDist, 'predict/random-forest-cv.js');
const head = await load(here, 'predict/random-forest-cv.js');
const { predictionTasks } = await load(here, 'predict/paper-predictions.js');
const analysis = JSON.parse(readFileSync(analysisFile, 'utf8'));
// non-finite measures are stored as null: back to NaN, which leaves the sample out of the forests that need it
const nan = (v) => (typeof v === 'number' ? v : Number.NaN);
const rows = analysis.networks.map((r) => ({ ...r, inputSensitivity: nan(r.inputSensitivity), memoryCapacity: nan(r.memoryCapacity) }));
const cpu = () => process.cpuUsage().user / 1e6;
const timed = (fn) => {
  const c0 = cpu();
  const out = fn();
  return [out, cpu() - c0];
};
let [before, after, same] = [0, 0, true];
for (const t of predictionTasks(rows)) {
  const [a, ta] = timed(() => base.crossValidatedForest(t.rows, t.y));
  const [b, tb] = timed(() => head.crossValidatedForest(t.rows, t.y));
  const identical = a.rmse === b.rmse && a.predictions.every((v, i) => Object.is(v, b.predictions[i]));
  [before, after, same] = [before + ta, after + tb, same && identical];
  console.log(`${t.target} from ${t.features} (${t.y.length} samples): ${ta.toFixed(1)} s → ${tb.toFixed(1)} s (${(ta / tb).toFixed(2)}×), identical: ${identical}`);
}
console.log(`the 15 forests: ${before.toFixed(1)} s → ${after.toFixed(1)} s CPU (${(before / after).toFixed(2)}×), identical: ${same}`);
if (!same) process.exit(1);
