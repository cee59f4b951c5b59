import type { TopLevelSpec } from 'vega-lite';
import { COMPARED_MEASURES, type Analysis } from '../analysis/summarize.js';
import { learningCurveFigure, memoryFigure, noiseFigure, predictionFigure, rankingFigure, wiringFigure } from '../figures/figure-specs.js';
import { renderSvg, svgToPng } from '../figures/render.js';

/** A report figure: file stem, caption, and the SVG and PNG renderings. */
export interface RenderedFigure {
  /** File stem under figures/, e.g. `fitness-vs-noise`. */
  readonly name: string;
  readonly caption: string;
  readonly svg: string;
  readonly png: Uint8Array;
}

const SNAKE: Record<string, string> = {
  fitness: 'fitness', robustness: 'robustness', sampleEfficiency: 'sample-efficiency', inputSensitivity: 'input-sensitivity', memoryCapacity: 'memory-capacity',
};

/** The report's figures, each rendered to SVG and PNG (figures without data are left out). */
export async function renderReportFigures(a: Analysis): Promise<RenderedFigure[]> {
  const specs: { name: string; caption: string; spec: TopLevelSpec | undefined }[] = [];
  if (a.noise.length > 1 && a.networks.some((n) => n.fitnessByNoise.length > 0)) {
    specs.push({ name: 'fitness-vs-noise', caption: 'Fitness vs sensor noise: every network in grey, the medians of chosen architectures in colour (the paper\'s Fig. 1C).', spec: noiseFigure(a) });
  }
  for (const m of COMPARED_MEASURES) {
    if (a.architectures.some((arch) => Number.isFinite(arch.measures[m].median))) {
      specs.push({ name: `ranking-${SNAKE[m]}`, caption: `Architectures ranked by median ${SNAKE[m].replace('-', ' ')} (IQR whiskers), coloured by significance against FC.`, spec: rankingFigure(a, m) });
    }
  }
  if (a.networks.some((n) => n.memory.length > 0)) {
    specs.push({ name: 'memory', caption: 'Memory M_k vs lag: median over networks with IQR band.', spec: memoryFigure(a) });
  }
  if (a.networks.some((n) => n.trainingCurve.length > 0)) {
    specs.push({ name: 'learning-curves', caption: 'Learning curves: median test fitness during training with IQR band.', spec: learningCurveFigure(a) });
  }
  if (a.networks.some((n) => Number.isFinite(n.fitness) && Number.isFinite(n.parameters))) {
    specs.push({ name: 'wiring-cost', caption: 'Fitness vs number of weights: networks in grey, architecture medians coloured by significance against FC; dashed: FC\'s median.', spec: wiringFigure(a) });
  }
  specs.push({ name: 'prediction', caption: 'Random forests (all features): out-of-fold predictions vs truth.', spec: predictionFigure(a) });
  const out: RenderedFigure[] = [];
  for (const { name, caption, spec } of specs) {
    if (!spec) continue;
    const svg = await renderSvg(spec);
    out.push({ name, caption, svg, png: svgToPng(svg) });
  }
  return out;
}
