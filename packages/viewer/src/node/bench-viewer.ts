import { median, PrnnError } from '@prnn/core';
import { launchChromium } from './chromium.js';
import { startViewerServer } from './viewer-server.js';
import type { ViewerSource } from './viewer-source.js';

/** Options of `benchViewer`: page loads measured and the maze sweep played for the frame rate. */
export interface BenchViewerOptions {
  /** Page loads measured (default 5); the median is reported. */
  readonly repeats?: number;
  /** Mazes of the sweep during which the frame rate is measured (default 1 000). */
  readonly sweepMazes?: number;
  /** σs levels of that sweep (default the paper's 0:0.5:21). */
  readonly sweepNoise?: string;
  /** Write a full-page PNG of the first page after its sweep. */
  readonly screenshot?: string;
}

/** Viewer timings: page load to first drawn step, the cold first load, and the frame rate of a noise sweep. */
export interface BenchViewerResult {
  readonly policies: number;
  readonly repeats: number;
  /** Navigation start → first animated step drawn (all policies loaded, trials played), ms; median of the loads. */
  readonly loadToFirstStepMs: number;
  /** The first load in the fresh profile (nothing cached: the wasm runtime is fetched and compiled), ms. */
  readonly loadToFirstStepColdMs: number;
  readonly loadToFirstStepAllMs: number[];
  readonly sweepMazes: number;
  readonly sweepLevels: number;
  /** requestAnimationFrame callbacks per second on the page while the worker sweeps. */
  readonly sweepFps: number;
  readonly sweepFpsAll: number[];
  readonly sweepSeconds: number;
}

interface Probe {
  ready: boolean;
  firstStepAt: number | null;
  messages(): string[];
  sweep: null | { running: boolean; fps: number | null; seconds: number; results: unknown[] };
}

/**
 * Measures the page in headless Chromium: time from navigation to the first animated step with the source's
 * initial policies (a new page each repeat in one fresh profile: the first load fetches everything, later ones may
 * use the browser's cache as a reload would), and the frame rate of the page while a sweep of `sweepMazes` mazes
 * runs in its Web Worker.
 */
export async function benchViewer(source: ViewerSource, options: BenchViewerOptions = {}): Promise<BenchViewerResult> {
  const repeats = options.repeats ?? 5;
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > 100) throw new PrnnError(`repeats must be an integer in [1, 100] (got ${repeats})`);
  const sweepMazes = options.sweepMazes ?? 1000;
  const sweepNoise = options.sweepNoise ?? '0:0.5:21';
  const server = await startViewerServer(source, { port: 0 });
  const browser = await launchChromium();
  const load: number[] = [];
  const fps: number[] = [];
  let sweepSeconds = 0;
  let levels = 0;
  try {
    for (let r = 0; r < repeats; r++) {
      const page = await browser.context.newPage();
      await page.goto(server.url);
      await page.waitForFunction(() => {
        const p = (globalThis as unknown as { prnnViewer?: Probe }).prnnViewer;
        return p?.ready === true && p.firstStepAt !== null;
      }, undefined, { timeout: 60_000 });
      const probe = await page.evaluate(() => {
        const p = (globalThis as unknown as { prnnViewer: Probe }).prnnViewer;
        return { firstStepAt: p.firstStepAt as number, messages: p.messages() };
      });
      if (probe.messages.length > 0) throw new PrnnError(`the page reports: ${probe.messages.join('; ')}`);
      load.push(probe.firstStepAt);
      if (r === 0 || r === repeats - 1) {
        await page.fill('input[name=sweepMazes]', String(sweepMazes));
        await page.fill('input[name=sweepNoise]', sweepNoise);
        await page.click('#sweep');
        await page.waitForFunction(() => {
          const s = (globalThis as unknown as { prnnViewer: Probe }).prnnViewer.sweep;
          return s !== null && !s.running;
        }, undefined, { timeout: 600_000 });
        const sweep = await page.evaluate(() => {
          const p = (globalThis as unknown as { prnnViewer: Probe }).prnnViewer;
          return { fps: p.sweep!.fps, seconds: p.sweep!.seconds, levels: (p.sweep!.results[0] as unknown[] | undefined)?.length ?? 0, messages: p.messages() };
        });
        if (sweep.messages.length > 0) throw new PrnnError(`the page reports: ${sweep.messages.join('; ')}`);
        fps.push(sweep.fps ?? 0);
        if (r === 0 && options.screenshot) await page.screenshot({ path: options.screenshot, fullPage: true });
        sweepSeconds = sweep.seconds;
        levels = sweep.levels;
      }
      await page.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return {
    policies: source.config.initial.length,
    repeats,
    loadToFirstStepMs: median(load),
    loadToFirstStepColdMs: load[0],
    loadToFirstStepAllMs: load,
    sweepMazes,
    sweepLevels: levels,
    sweepFps: median(fps),
    sweepFpsAll: fps,
    sweepSeconds,
  };
}
