import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { PrnnError } from '@prnn/core';
import { VIEWER_CONFIG_FILE } from '../shared/viewer-config.js';
import { viewerAppDir } from './app-dir.js';
import type { ViewerSource } from './viewer-source.js';

/** Content-Type of each file extension the viewer server serves. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json; charset=utf-8',
};

/** Where the viewer server listens (default 127.0.0.1 on any free port). */
export interface ViewerServerOptions {
  /** TCP port on 127.0.0.1 (0: any free port). */
  readonly port?: number;
  /** Interface to listen on (default 127.0.0.1: local only). */
  readonly host?: string;
}

/** A running viewer server: its URL and port. */
export interface ViewerServer {
  /** Base URL of the page, e.g. `http://127.0.0.1:<port>/`. */
  readonly url: string;
  /** TCP port the server listens on. */
  readonly port: number;
  /** Stops accepting connections and resolves when the server is closed. */
  close(): Promise<void>;
}

/** `root`/`relative` when it stays inside root, else undefined (no `..` escapes). */
function inside(root: string, relative: string): string | undefined {
  const path = normalize(join(root, relative));
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep) ? path : undefined;
}

function send(res: ServerResponse, status: number, body: string | Uint8Array, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

async function sendFile(res: ServerResponse, path: string | undefined): Promise<void> {
  const info = path ? await stat(path).catch(() => undefined) : undefined;
  if (!path || !info?.isFile()) return send(res, 404, 'not found');
  // Vite's assets carry a content hash in their name: the browser may keep them (and Chromium its compiled wasm)
  const cache = path.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
  res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', 'content-length': info.size, 'cache-control': cache });
  createReadStream(path).pipe(res);
}

/**
 * Serves the page on loopback: the built app, `config.json`, `policies/<id>.onnx` (run networks exported on
 * request) and the run's `report/`. A port in use is a PrnnError naming --port.
 */
export async function startViewerServer(source: ViewerSource, options: ViewerServerOptions = {}): Promise<ViewerServer> {
  const appDir = viewerAppDir();
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new PrnnError(`port must be an integer in [0, 65535] (got ${port})`);
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'only GET');
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      return send(res, 400, 'bad path');
    }
    if (path === '/' || path === '/index.html') return sendFile(res, join(appDir, 'index.html'));
    if (path === `/${VIEWER_CONFIG_FILE}`) return send(res, 200, JSON.stringify(source.config), CONTENT_TYPES['.json']);
    const policy = /^\/policies\/([^/]+)\.onnx$/.exec(path);
    if (policy) {
      try {
        return send(res, 200, await source.policyBytes(policy[1]), CONTENT_TYPES['.onnx']);
      } catch (error) {
        return send(res, error instanceof PrnnError ? 404 : 500, (error as Error).message);
      }
    }
    if (path.startsWith('/report/')) return sendFile(res, source.reportDir ? inside(source.reportDir, path.slice('/report/'.length)) : undefined);
    return sendFile(res, inside(appDir, path.slice(1)));
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error) => send(res, 500, String((error as Error).message)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new PrnnError(`--port ${port} is in use on ${host}: choose another port (or --port 0 for any free one)`));
      else if (error.code === 'EACCES') reject(new PrnnError(`--port ${port} needs privileges on ${host}: choose a port ≥ 1024`));
      else reject(error);
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host}:${actual}/`,
    port: actual,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
