import { StageStopwatch, type PhaseTime, type Registry } from '@prnn/agents';
import { analyzeStoredNetworks, writeReport, type HeadlineRow as AnalysisHeadlineRow } from '@prnn/analysis';
import { readSweepStore } from './sweep-store-networks.js';

export type { AnalysisHeadlineRow };

export interface AnalysisStepResult {
  readonly headline: readonly AnalysisHeadlineRow[];
  readonly report: string;
  readonly files: readonly string[];
  /** Wall and CPU time of the analysis (reading the store and `analyzeStoredNetworks`) and of writing the report. */
  readonly phases: { readonly analysis: PhaseTime; readonly report: PhaseTime };
}

/**
 * The analysis step of `prnn reproduce`: the sweep's results store (DIR/results.sqlite) is the source of truth,
 * read exactly as `prnn analyze --sweep DIR` reads it (weights, fitness, curves, stored noise sweeps), then
 * @prnn/analysis's `analyzeStoredNetworks` and `writeReport` into `out` (DIR/report). The chunks' run
 * directories are not read.
 */
export async function analysisStep(
  dir: string,
  out: string,
  options: { mazes: number; noise: readonly number[]; registry: Registry; onProgress?: (done: number, total: number) => void },
): Promise<AnalysisStepResult> {
  const analysing = new StageStopwatch();
  const result = await analyzeStoredNetworks(readSweepStore(dir), {
    mazes: options.mazes,
    noise: options.noise,
    registry: options.registry,
    onProgress: options.onProgress,
  });
  const analysis = analysing.elapsed;
  const reporting = new StageStopwatch();
  const written = await writeReport(result, out);
  return { headline: result.headline, report: written.dir, files: written.files, phases: { analysis, report: reporting.elapsed } };
}
