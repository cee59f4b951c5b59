// Time to a ready compiled population of one network (trace, lower, emit, compile), then the same from the
// module cache. Run after `npm run build`, twice per step to see the disk cache:
//   PRNN_COMPILE_CACHE=/tmp/prnn-cc node scripts/step-compiler-first-compile.mjs gru 32
import { CompiledPopulation, compilerStats, initBackend } from '@prnn/agents';
import { lowRankDefinition } from '@prnn/plugin-lowrank-rnn';
import { gruDefinition } from '@prnn/plugin-gru';
import { maskedRnnDefinition } from '@prnn/plugin-masked-rnn';

const families = {
  'lowrank-r2': lowRankDefinition,
  gru: gruDefinition,
  'masked-ring2-dale': maskedRnnDefinition,
};
const [spec = 'gru', hidden = '8'] = process.argv.slice(2);
const def = families[spec];
if (!def) {
  console.error(`first argument: one of ${Object.keys(families).join(', ')} (got ${spec})`);
  process.exit(2);
}
await initBackend('cpu');
const arch = def.resolve(spec, { channels: 2, hidden: Number(hidden) });
const t0 = performance.now();
const model = new CompiledPopulation(def, [{ arch, seed: 1 }], 2);
const ms = performance.now() - t0;
console.log(
  `${spec} H=${hidden}: ${ms.toFixed(0)} ms to a ready population ` +
    `(${compilerStats.emitted} emitted in ${compilerStats.emitMs.toFixed(0)} ms, ${compilerStats.diskHits} from the disk cache)`,
);
model.dispose();
