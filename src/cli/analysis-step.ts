import { StageStopwatch, type PhaseTime, type Registry } from '@prnn/agents';
import { analyzeRuns, writeReport, type HeadlineRow as AnalysisHeadlineRow } from '@prnn/analysis';

export type { AnalysisHeadlineRow };

export interface AnalysisStepResult {
  readonly headline: readonly AnalysisHeadlineRow[];
  readonly report: string;
  readonly files: readonly string[];
  /** Wall and CPU time of the analysis (`analyzeRuns`, worker threads included) and of writing the report. */
  readonly phases: { readonly analysis: PhaseTime; readonly report: PhaseTime };
}

/**
 * The analysis step of `prnn reproduce`: @prnn/analysis's `analyzeRuns` over the sweep's run directories
 * (DIR/runs/chunk-<i>), its networks on `workers` threads, and its `writeReport` into `out` (DIR/report).
 */
export async function analysisStep(
  runDirs: readonly string[],
  out: string,
  options: { mazes: number; noise: readonly number[]; registry: Registry; workers?: number; onProgress?: (done: number, total: number) => void },
): Promise<AnalysisStepResult> {
  const analysing = new StageStopwatch();
  const result = await analyzeRuns(runDirs, {
    mazes: options.mazes,
    noise: options.noise,
    registry: options.registry,
    workers: options.workers,
    plugins: { cwd: process.cwd() },
    onProgress: options.onProgress,
  });
  const analysis = analysing.elapsed;
  const reporting = new StageStopwatch();
  const written = await writeReport(result, out);
  return { headline: result.headline, report: written.dir, files: written.files, phases: { analysis, report: reporting.elapsed } };
}
