/**
 * Global setup of the browser tests: make sure the library is built (the demo imports the package
 * entry, i.e. dist/), build the demo with Vite and serve it on 127.0.0.1 with the cross-origin
 * isolation headers. The URL is given to the tests as inject('demoUrl').
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { CHROMIUM, DEMO_OUT, ROOT, serveStatic } from './helpers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    demoUrl: string;
  }
}

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

/** Builds the library when dist/ is missing or older than src/ (npm test has just built it). */
function ensureLibraryBuilt(): void {
  const entry = path.join(ROOT, 'dist', 'index.js');
  if (fs.existsSync(entry) && fs.statSync(entry).mtimeMs >= newestMtime(path.join(ROOT, 'src'))) return;
  console.log('[browser tests] building the library (dist/ missing or older than src/)');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`the browser tests need Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  ensureLibraryBuilt();
  const { build } = await import('vite');
  await build({
    configFile: path.join(ROOT, 'examples', 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: DEMO_OUT, emptyOutDir: true },
  });
  const server = await serveStatic(DEMO_OUT);
  project.provide('demoUrl', server.url);
  return server.close;
}
