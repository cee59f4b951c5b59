/**
 * A test hook for deterministic fault tests: `PRNN_TEST_FAULT` (read once, when first needed) names signals
 * the process sends itself when it reaches a named point of its work for the n-th time, e.g.
 *
 *   PRNN_TEST_FAULT=SIGINT@checkpoint:2      Ctrl-C right after the second checkpoint is written
 *   PRNN_TEST_FAULT=SIGKILL@store:3          kill -9 right after the third network is stored
 *   PRNN_TEST_FAULT=SIGSTOP@checkpoint:1     freeze (a test then inspects the live process and continues it)
 *
 * Several entries are separated by commas. The signal is real (`process.kill(process.pid, …)`), so it travels
 * the same way as one a user sends: through the command's signal handlers and the training's stop request,
 * or, for SIGKILL, ending the process at once. Points (see docs/guides/errors-and-preflight.md): `start`
 * (training begins), `checkpoint` (a checkpoint written), `store` (a network stored in a sweep's results).
 * Unset, nothing happens and nothing is counted.
 */
const FAULT_VARIABLE = 'PRNN_TEST_FAULT';
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGKILL', 'SIGSTOP', 'SIGHUP'] as const;

interface Fault {
  readonly signal: (typeof SIGNALS)[number];
  readonly point: string;
  readonly count: number;
}

let faults: readonly Fault[] | undefined;
const reached = new Map<string, number>();

function parseFaults(spec: string | undefined): readonly Fault[] {
  if (spec === undefined || spec.trim() === '') return [];
  return spec.split(',').map((entry) => {
    const m = /^\s*(SIG[A-Z]+)@([a-z-]+):(\d+)\s*$/.exec(entry);
    if (!m || !(SIGNALS as readonly string[]).includes(m[1]) || Number(m[3]) < 1) {
      throw new Error(`${FAULT_VARIABLE} must be SIGNAL@point:n[,…] with SIGNAL one of ${SIGNALS.join(', ')} and n ≥ 1 (got ${JSON.stringify(entry)})`);
    }
    return { signal: m[1] as Fault['signal'], point: m[2], count: Number(m[3]) };
  });
}

/**
 * Marks that the process reached `point` once more; sends the signal a `PRNN_TEST_FAULT` entry names for
 * this point and count. Costs one Map look-up when the variable is unset.
 */
export function testFaultPoint(point: string): void {
  faults ??= parseFaults(process.env[FAULT_VARIABLE]);
  if (faults.length === 0) return;
  const n = (reached.get(point) ?? 0) + 1;
  reached.set(point, n);
  for (const f of faults) if (f.point === point && f.count === n) process.kill(process.pid, f.signal);
}
