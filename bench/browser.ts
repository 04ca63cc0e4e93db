/**
 * Runs the browser benchmark page (bench/browser/page.ts) in Debian's chromium, headless, driven by
 * playwright-core: bundles the page, serves it on 127.0.0.1 with COOP/COEP headers (cross-origin
 * isolation, so the wasm backend can use threads), loads it once per backend and collects the
 * figures. WebGL runs on SwiftShader (the CPU) here.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { build } from 'tsup';
import type { BrowserConfig, BrowserResult } from './browser/page.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run'];

export interface BrowserBenchOptions {
  root: string;
  /** model folders by name (served as /models/<name>/) */
  modelDirs: Record<string, string>;
  movenetDir: string;
  /** LSPET images folder and the files to use as frames */
  imagesDir: string;
  images: string[];
  config: Omit<BrowserConfig, 'images'>;
  /** one page load each, e.g. { backend: 'wasm', threads: 2, frames: 10, rounds: 2 } */
  variants: Array<{ backend: 'wasm' | 'webgl'; threads?: number; frames?: number; rounds?: number; warmup?: number }>;
  timeoutMs: number;
  log: (msg: string) => void;
}

export interface BrowserBenchResult {
  browserVersion: string;
  results: BrowserResult[];
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.json': 'application/json',
  '.wasm': 'application/wasm', '.bin': 'application/octet-stream', '.jpg': 'image/jpeg', '.map': 'application/json',
};

export const PAGE = '<!doctype html><html><head><meta charset="utf-8"><title>cpm-pose benchmark</title></head>'
  + '<body><h1>cpm-pose benchmark</h1><pre id="log"></pre><script type="module" src="/page.js"></script></body></html>';

/**
 * Bundles a benchmark page (and the library) into .cache/<name>/page.js. `librarySrc`: bundle the
 * library from another checkout's src/ (e.g. a worktree of an earlier commit) to compare with it.
 */
export async function bundleBrowserPage(root: string, entry: string, name: string, librarySrc?: string): Promise<string> {
  const outDir = path.join(root, '.cache', name);
  await build({
    config: false,
    entry: { page: entry },
    outDir,
    format: ['esm'],
    platform: 'browser',
    target: 'es2020',
    noExternal: [/.*/],
    external: [/^node:/],
    splitting: false,
    sourcemap: false,
    dts: false,
    clean: true,
    silent: true,
    ...(librarySrc ? {
      esbuildPlugins: [{
        name: 'library-src',
        setup(b) {
          b.onResolve({ filter: /^\.\.\/\.\.\/src\/index\.js$/ }, () => ({ path: path.join(path.resolve(librarySrc), 'index.ts') }));
        },
      }],
      esbuildOptions(o) {
        o.nodePaths = [path.join(root, 'node_modules')]; // the other checkout may have none
      },
    } : {}),
  });
  return path.join(outDir, 'page.js');
}

/** Serves only the files the page needs; every response carries the isolation headers. */
export function serve(routes: (urlPath: string) => string | Buffer | undefined): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let body: string | Buffer | undefined;
    try {
      body = routes(decodeURIComponent(url.pathname));
    } catch {
      body = undefined;
    }
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    };
    if (body === undefined) {
      res.writeHead(404, headers).end('not found');
      return;
    }
    const ext = url.pathname === '/' ? '.html' : path.extname(url.pathname);
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[ext] ?? 'application/octet-stream' }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** A file inside `dir` (no path escapes), or undefined. */
export function fileIn(dir: string, name: string): Buffer | undefined {
  const p = path.resolve(dir, name);
  if (!p.startsWith(path.resolve(dir) + path.sep) || !fs.existsSync(p) || !fs.statSync(p).isFile()) return undefined;
  return fs.readFileSync(p);
}

export async function runBrowserBench(o: BrowserBenchOptions): Promise<BrowserBenchResult> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found (apt-get install -y chromium)`);
  const pageJs = await bundleBrowserPage(o.root, path.join(o.root, 'bench', 'browser', 'page.ts'), 'bench-browser');
  const wasmDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  const config: BrowserConfig = { ...o.config, images: o.images.map((f) => `/images/${f}`) };
  const server = await serve((p) => {
    if (p === '/') return PAGE;
    if (p === '/favicon.ico') return '';
    if (p === '/page.js') return fs.readFileSync(pageJs);
    if (p === '/config.json') return JSON.stringify(config);
    const m = /^\/(wasm|models|movenet|images)\/(.+)$/.exec(p);
    if (!m) return undefined;
    if (m[1] === 'wasm') return fileIn(wasmDir, m[2]!);
    if (m[1] === 'movenet') return fileIn(o.movenetDir, m[2]!);
    if (m[1] === 'images') return o.images.includes(m[2]!) ? fileIn(o.imagesDir, m[2]!) : undefined;
    const [name, ...rest] = m[2]!.split('/');
    const dir = o.modelDirs[name!];
    return dir ? fileIn(dir, rest.join('/')) : undefined;
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
  try {
    const results: BrowserResult[] = [];
    for (const v of o.variants) {
      const backend = v.backend;
      const query = new URLSearchParams(Object.entries(v).map(([k, x]) => [k, String(x)])).toString();
      const page = await browser.newPage();
      page.on('console', (m) => { if (m.type() === 'error') o.log(`[browser ${backend}] ${m.text()}`); });
      page.on('pageerror', (e) => o.log(`[browser ${backend}] ${e.message}`));
      o.log(`browser: ${query}`);
      await page.goto(`${base}/?${query}`);
      await page.waitForFunction(() => window.__benchResult !== undefined || window.__benchError !== undefined, null,
        { timeout: o.timeoutMs, polling: 1000 });
      const err = await page.evaluate(() => window.__benchError);
      if (err) throw new Error(`browser benchmark (${backend}) failed: ${err}`);
      results.push((await page.evaluate(() => window.__benchResult))!);
      await page.close();
    }
    return { browserVersion: browser.version(), results };
  } finally {
    await browser.close();
    server.close();
  }
}
