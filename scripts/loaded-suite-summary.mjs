// Reads the results.tsv of scripts/loaded-suite.sh and says, run by run, how many other test runs were under way
// over the whole of it, and whether `--passes N` runs passed in a row while `--streams K` − 1 others ran.
//
//   node scripts/loaded-suite-summary.mjs DIR/results.tsv [--passes 10] [--streams 3]
//
// A stream "loads" a run when its own runs cover the run's whole span; the moments between two runs of a stream
// (the shell starting the next `npm test`) are bridged when shorter than GAP seconds. Runs are taken in the
// order they ended; a failed run breaks the row. A run stopped once the row was decided (status "stopped") loads
// the others until it stopped and is neither a pass nor a failure. Exit status 0 when the row is long enough, 1
// when not.
import { readFileSync } from 'node:fs';

const GAP = 15;
const args = process.argv.slice(2);
const file = args[0];
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : Number(args[i + 1]);
};
const passes = option('--passes', 10);
const streams = option('--streams', 3);
if (!file || !Number.isInteger(passes) || !Number.isInteger(streams) || passes < 1 || streams < 1) {
  console.error('usage: node scripts/loaded-suite-summary.mjs RESULTS.tsv [--passes N ≥ 1] [--streams K ≥ 1]');
  process.exit(2);
}

const runs = readFileSync(file, 'utf8')
  .split('\n')
  .slice(1)
  .filter((line) => line.trim() !== '')
  .map((line) => {
    const [stream, run, start, end, status, files, tests] = line.split('\t');
    return { stream, run: Number(run), start: Number(start), end: Number(end), status, files: files ?? '', tests: tests ?? '' };
  })
  .sort((a, b) => a.end - b.end || a.start - b.start);

/** Whether the runs of `stream` (other than `self`) cover [start, end] with gaps shorter than GAP. */
function covers(stream, start, end) {
  const spans = runs.filter((r) => r.stream === stream).sort((a, b) => a.start - b.start);
  let reached = start;
  for (const r of spans) {
    if (r.start > reached + GAP) break;
    if (r.end > reached) reached = r.end;
    if (reached >= end) return true;
  }
  return reached >= end;
}

const names = [...new Set(runs.map((r) => r.stream))];
const clock = (t) => new Date(t * 1000).toISOString().slice(11, 19);
let row = 0;
let best = 0;
console.log('stream  run  start     end       minutes  status  others  tests');
for (const r of runs) {
  const others = names.filter((s) => s !== r.stream && covers(s, r.start, r.end)).length;
  const loaded = others >= streams - 1;
  if (r.status === 'stopped') {
    // neither a pass nor a failure
  } else if (r.status !== '0') row = 0;
  else if (loaded) row += 1;
  best = Math.max(best, row);
  console.log(
    `${r.stream.padEnd(7)} ${String(r.run).padStart(3)}  ${clock(r.start)}  ${clock(r.end)}  ${((r.end - r.start) / 60).toFixed(1).padStart(7)}  ${String(r.status).padStart(6)}  ${String(others).padStart(6)}  ${r.tests}`,
  );
}
const failed = runs.filter((r) => r.status !== '0' && r.status !== 'stopped').length;
const stopped = runs.filter((r) => r.status === 'stopped').length;
console.log(
  `${runs.length} runs, ${failed} failed, ${stopped} stopped once the row was decided; longest row of passing runs with ${streams - 1} other test run${streams - 1 === 1 ? '' : 's'} under way over the whole run: ${best} (wanted ${passes})`,
);
process.exit(best >= passes ? 0 : 1);
