import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrnnError } from '@prnn/core';
import type { BrowserContext } from 'playwright-core';

/** Debian's `chromium` package (CI installs it: `apt-get install -y chromium`). */
export const CHROMIUM_PATH = '/usr/bin/chromium';
/** The one-line error shown when no Chromium binary is found, with the install command. */
export const CHROMIUM_MISSING =
  `Chromium is not installed at ${CHROMIUM_PATH}: install it with \`apt-get update && apt-get install -y chromium\` (as root), or set PRNN_CHROMIUM to another Chromium binary`;

/** The Chromium binary to drive: $PRNN_CHROMIUM, else /usr/bin/chromium; undefined when neither exists. */
export function findChromium(): string | undefined {
  const path = process.env.PRNN_CHROMIUM || CHROMIUM_PATH;
  return existsSync(path) ? path : undefined;
}

/** The message when playwright-core (an optional peer of @prnn/viewer, used only to drive Chromium) is missing. */
export const PLAYWRIGHT_MISSING =
  'prnn bench view drives Chromium with playwright-core, which is not installed here: install it with `npm install playwright-core@1.65.1` (an optional dependency of @prnn/viewer)';

async function importPlaywright(): Promise<typeof import('playwright-core')> {
  try {
    return await import('playwright-core');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw new PrnnError(PLAYWRIGHT_MISSING);
    throw error;
  }
}

/** Throws a PrnnError saying how to install playwright-core when it cannot be imported (check before work starts). */
export async function checkPlaywright(): Promise<void> {
  await importPlaywright();
}

/** A headless Chromium browser context and the function that closes it and removes its profile. */
export interface LaunchedChromium {
  readonly context: BrowserContext;
  /** Closes the browser context and removes its temporary profile directory. */
  close(): Promise<void>;
}

/**
 * Headless Chromium with a fresh profile, no GPU and no network chatter of its own (no sync, component updates,
 * QUIC or first-run), driven by playwright-core over CDP.
 */
export async function launchChromium(): Promise<LaunchedChromium> {
  const executablePath = findChromium();
  if (!executablePath) throw new PrnnError(CHROMIUM_MISSING);
  const { chromium } = await importPlaywright();
  const profile = await mkdtemp(join(tmpdir(), 'prnn-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      viewport: { width: 1400, height: 1000 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

