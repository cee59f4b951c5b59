import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrnnError } from '@prnn/env';
import type { BrowserContext } from 'playwright-core';

/** Debian's `chromium` package (CI installs it: `apt-get install -y chromium`). */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_MISSING =
  `Chromium is not installed at ${CHROMIUM_PATH}: install it with \`apt-get update && apt-get install -y chromium\` (as root), or set PRNN_CHROMIUM to another Chromium binary`;

/** The Chromium binary to drive: $PRNN_CHROMIUM, else /usr/bin/chromium; undefined when neither exists. */
export function findChromium(): string | undefined {
  const path = process.env.PRNN_CHROMIUM || CHROMIUM_PATH;
  return existsSync(path) ? path : undefined;
}

export interface LaunchedChromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Headless Chromium with a fresh profile, no GPU and no network chatter of its own (no sync, component updates,
 * QUIC or first-run), driven by playwright-core over CDP.
 */
export async function launchChromium(): Promise<LaunchedChromium> {
  const executablePath = findChromium();
  if (!executablePath) throw new PrnnError(CHROMIUM_MISSING);
  const { chromium } = await import('playwright-core');
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

