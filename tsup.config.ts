import { defineConfig, type Options } from 'tsup';

// ESM + CJS + .d.ts. TF.js stays external (peer dependencies); node: built-ins are only
// reached through guarded dynamic imports, so a browser bundle of a user's app never pulls them in.
export default defineConfig([{
  entry: { index: 'src/index.ts', tools: 'src/tools.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  // dist/cli.js is written by the second config, built at the same time: keep it
  clean: ['!cli.js', '!cli.js.map'],
  target: 'es2020',
  platform: 'neutral',
  // one shared chunk: the main and tools entry points share module state (e.g. the inference queue)
  splitting: true,
  external: [/^@tensorflow\//, /^node:/],
  esbuildOptions(options, context) {
    // CommonJS has no import.meta: make it undefined there so the code takes its __dirname /
    // __filename branch (src/default-model.ts, src/backend/backend.ts) instead of a syntax error.
    if (context.format === 'cjs') options.define = { ...options.define, 'import.meta.url': 'undefined' };
  },
}, cliConfig()]);

/** The `cpm-pose` bin: one Node ESM file with a shebang (tsup makes it executable); sharp stays external. */
function cliConfig(): Options {
  return {
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    clean: false,
    dts: false,
    splitting: false,
    banner: { js: '#!/usr/bin/env node' },
    external: [/^@tensorflow\//, /^node:/, 'sharp', 'tinyglobby'],
  };
}
