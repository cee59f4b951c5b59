import { PrnnError } from '@prnn/core';

/** The chunk flags of `prnn sweep run`: one chunk, a list of ranges, or a Slurm array task id plus offset. */
export interface ChunkSelection {
  /** `--chunk i`. */
  readonly chunk?: number;
  /** `--chunks i-j` (also `i`, and comma-separated lists of both: `0-3,7`). */
  readonly chunks?: string;
  /** Added to SLURM_ARRAY_TASK_ID (an array covers chunks offset … offset + N − 1). */
  readonly offset?: number;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

function index(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim())) throw new PrnnError(`${what} must be a chunk index, an integer ≥ 0 (got ${JSON.stringify(text)})`);
  return Number(text.trim());
}

/**
 * The chunks a `prnn sweep run` process works on: `--chunk`, else `--chunks`, else the Slurm array task
 * (SLURM_ARRAY_TASK_ID + `--chunk-offset`), else undefined (every chunk). Bounds are checked against the plan later.
 */
export function selectChunks(s: ChunkSelection): number[] | undefined {
  if (s.chunk !== undefined && s.chunks !== undefined) throw new PrnnError('--chunk and --chunks cannot be used together');
  if (s.chunk !== undefined) return [index(String(s.chunk), '--chunk')];
  if (s.chunks !== undefined) {
    const out: number[] = [];
    for (const part of s.chunks.split(',')) {
      const range = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(part);
      if (range) {
        const [a, b] = [Number(range[1]), Number(range[2])];
        if (b < a) throw new PrnnError(`--chunks range must run upwards, i-j with i ≤ j (got ${JSON.stringify(part.trim())})`);
        for (let c = a; c <= b; c++) out.push(c);
      } else {
        const text = part.trim();
        if (!/^\d+$/.test(text)) throw new PrnnError(`--chunks must be chunk indices or ranges such as 0-3 or 0-3,7 (got ${JSON.stringify(s.chunks)})`);
        out.push(Number(text));
      }
    }
    return [...new Set(out)];
  }
  const task = s.env?.SLURM_ARRAY_TASK_ID;
  if (task !== undefined && task !== '') return [index(task, 'SLURM_ARRAY_TASK_ID') + (s.offset ?? 0)];
  if (s.offset !== undefined && s.offset !== 0) throw new PrnnError('--chunk-offset applies to SLURM_ARRAY_TASK_ID, which is not set (outside a Slurm array task use --chunk)');
  return undefined;
}
