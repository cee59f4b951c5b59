import type { Registry } from '@prnn/agents';

/** A row of the analysis's headline table (SPEC §5: prnn's value next to the paper's). */
export interface AnalysisHeadlineRow {
  readonly measure: string;
  readonly paper: string;
  readonly prnn: string;
  readonly networks: number;
}

export interface AnalysisStepResult {
  readonly headline: readonly AnalysisHeadlineRow[];
  readonly report: string;
  readonly files: readonly string[];
}

type AnalyzeRuns = (dirs: readonly string[], options: Record<string, unknown>) => Promise<{ headline: AnalysisHeadlineRow[] }>;
type WriteReport = (analysis: unknown, out: string) => Promise<{ dir: string; files: string[] }>;

/**
 * The analysis step of `prnn reproduce`: @prnn/analysis's `analyzeRuns` over the sweep's run directories and
 * its `writeReport`, when this build has them (the analysis issue); undefined when it does not.
 */
export async function analysisStep(
  runDirs: readonly string[],
  out: string,
  options: { mazes: number; noise: readonly number[]; registry: Registry; onProgress?: (done: number, total: number) => void },
): Promise<AnalysisStepResult | undefined> {
  const analysis = (await import('@prnn/analysis')) as Record<string, unknown>;
  const analyzeRuns = analysis.analyzeRuns as AnalyzeRuns | undefined;
  const writeReport = analysis.writeReport as WriteReport | undefined;
  if (typeof analyzeRuns !== 'function' || typeof writeReport !== 'function') return undefined;
  const result = await analyzeRuns(runDirs, { mazes: options.mazes, noise: options.noise, registry: options.registry, onProgress: options.onProgress });
  const written = await writeReport(result, out);
  return { headline: result.headline, report: written.dir, files: written.files };
}
