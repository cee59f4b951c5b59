import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PrnnError, makeDirectories, markFileOperation } from '@prnn/core';
import { VIEWER_CONFIG_FILE, VIEWER_CONFIG_FORMAT, type ViewerConfig } from '../shared/viewer-config.js';
import { viewerAppDir } from './app-dir.js';
import type { ViewerSource } from './viewer-source.js';

/**
 * What `writeStaticViewer` wrote: the directory, the number of policies, total bytes and whether the run's report was
 * copied.
 */
export interface StaticViewerResult {
  /** The directory written. */
  readonly dir: string;
  /** Policies written under `policies/`. */
  readonly policies: number;
  /** Total bytes of the ONNX policies written (the app and report not counted). */
  readonly bytes: number;
  /** Whether the run's analysis report was copied (under `report/`). */
  readonly report: boolean;
}

/** A directory that may be replaced: absent, empty, or an earlier static build (its config.json says so). */
async function replaceable(dir: string): Promise<boolean> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) return true;
  if (!info.isDirectory()) throw new PrnnError(`--static ${dir} is a file, not a directory`);
  if ((await readdir(dir)).length === 0) return true;
  try {
    const config = JSON.parse(await readFile(join(dir, VIEWER_CONFIG_FILE), 'utf8')) as Partial<ViewerConfig>;
    return config.format === VIEWER_CONFIG_FORMAT;
  } catch {
    return false;
  }
}

/**
 * Writes a self-contained copy of the page to `out` for any static web server (GitHub Pages): the built app,
 * every policy as `policies/<id>.onnx` (run networks exported through the code of `prnn export`), the run's
 * report and `config.json`. Built in a sibling temp directory and renamed into place, so `out` is never half
 * written; `out` must be absent, empty or an earlier static build.
 */
export async function writeStaticViewer(source: ViewerSource, out: string): Promise<StaticViewerResult> {
  const dir = resolve(out);
  if (!(await replaceable(dir))) throw new PrnnError(`--static ${out} exists and is neither empty nor an earlier \`prnn view --static\` build`);
  const appDir = viewerAppDir();
  await makeDirectories(dirname(dir));
  const temporary = `${dir}.tmp-${process.pid}`;
  // a leftover of an interrupted build goes; failing here (a file on the path) means `out` cannot be made
  await rm(temporary, { recursive: true, force: true }).catch((error: unknown) => {
    throw markFileOperation(error, 'create directory');
  });
  let bytes = 0;
  try {
    await cp(appDir, temporary, { recursive: true });
    await mkdir(join(temporary, 'policies'));
    for (const entry of source.config.policies) {
      const data = await source.policyBytes(entry.id);
      bytes += data.length;
      await writeFile(join(temporary, 'policies', `${entry.id}.onnx`), data);
    }
    if (source.reportDir) await cp(source.reportDir, join(temporary, 'report'), { recursive: true });
    await writeFile(join(temporary, VIEWER_CONFIG_FILE), `${JSON.stringify(source.config, null, 2)}\n`);
    const old = `${dir}.old-${process.pid}`;
    const existed = await stat(dir).then(() => true, () => false);
    if (existed) await rename(dir, old);
    await rename(temporary, dir);
    if (existed) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    // its error line: the directory could not be made (it is said as `out`), or a file in it not written
    throw markFileOperation(error, (error as NodeJS.ErrnoException).path === temporary ? 'create directory' : 'write');
  }
  return { dir, policies: source.config.policies.length, bytes, report: source.reportDir !== undefined };
}
