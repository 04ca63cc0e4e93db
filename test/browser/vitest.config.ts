import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// Real-browser tests (npm run test:browser): one Chromium at a time, files one after another.
export default defineConfig({
  root,
  test: {
    include: ['test/browser/**/*.browser.ts'],
    environment: 'node',
    globalSetup: ['test/browser/setup.ts'],
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
