// The step compiler's loop rolling, measured in training: FC (P = 128) trained in one process by two
// populations, one on the straight-line module (emitWasm with rollAbove Infinity) and one on the rolled
// module (the default), from the same state, in alternating windows; thread CPU time per window. Both train
// the same bits, so every window does the same work. Run after `npm run build`:
//   node scripts/step-compiler-roll-ab.mjs general 10 0.4
// (maze, rounds, seconds per window); with a competitor on the other core: `yes > /dev/null &` first.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clearCompileMemoryCache, emitWasm, initBackend, loadPlugins, lowerStep, ninePathwayDefinition as def, programHash } from '@prnn/agents';
import { resolveTaskOptions } from '@prnn/env';
import { createBenchPopulation } from '../packages/agents/dist/training/bench-episode.js';
import { alternateEpisodes, median } from './ab-population-common.mjs';

const [maze = 'general', rounds = '10', seconds = '0.4'] = process.argv.slice(2);
await initBackend('cpu');
const registry = await loadPlugins({ cwd: process.cwd() });
const architecture = registry.architecture('nine-pathway');
const kernels = registry.kernels('nine-pathway');
const task = resolveTaskOptions(maze, {});
const fc = architecture.resolve('fc', { channels: task.channels, hidden: 8 });
const sizes = { channels: task.channels, inputs: 4 * task.channels, outputs: 5 };
const program = lowerStep(def, { arch: fc, shapes: def.parameters(fc, sizes), sizes, stateSize: def.stateSize(fc, sizes) });

// each module in its own cache directory under the program's hash, where CompiledPopulation looks first
const variants = [
  ['straight-line', { rollAbove: Infinity }],
  ['rolled', {}],
].map(([name, opts]) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'prnn-roll-'));
  const { bytes, reserved } = emitWasm(program, opts);
  const head = Buffer.alloc(4);
  head.writeUInt32LE(reserved, 0);
  writeFileSync(path.join(dir, `${programHash(program)}.wasm`), Buffer.concat([head, bytes]));
  return { name, dir, bytes: bytes.length };
});
const members = Array.from({ length: 128 }, (_, n) => ({ arch: fc, seed: n }));
const pops = variants.map((v) => {
  process.env.PRNN_COMPILE_CACHE = v.dir;
  clearCompileMemoryCache();
  return createBenchPopulation(architecture, kernels, members, task, 'compiled');
});
const rates = alternateEpisodes(pops, 128, Number(rounds), Number(seconds));
console.log(
  JSON.stringify({
    maze,
    load: readFileSync('/proc/loadavg', 'utf8').split(' ')[0],
    bytes: Object.fromEntries(variants.map((v) => [v.name, v.bytes])),
    cpuRate: Object.fromEntries(variants.map((v, i) => [v.name, Math.round(median(rates[i]))])),
    rolledOverStraight: +median(rates[1].map((v, r) => v / rates[0][r])).toFixed(3),
    // both trained the same episodes: their weights must be the same bits
    sameWeights: pops[0].model.parameters.values.every((v, k) => Buffer.compare(Buffer.from(v.buffer, v.byteOffset, v.byteLength), Buffer.from(pops[1].model.parameters.values[k].buffer, pops[1].model.parameters.values[k].byteOffset, v.byteLength)) === 0),
  }),
);
pops.forEach((p) => p.dispose());
variants.forEach((v) => rmSync(v.dir, { recursive: true }));
