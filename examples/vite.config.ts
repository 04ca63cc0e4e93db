/**
 * The demo app (webcam page + image page). `npm run demo` at the repo root builds the library and
 * starts this dev server; the browser tests build it with `vite build` and serve it with `vite preview`.
 *
 * - `cpm-pose` is imported like an installed package: the alias points at the repository root, and
 *   Vite resolves it through package.json "exports" to the built dist/ (run `npm run build` first).
 * - Cross-origin isolation headers (COOP/COEP), so the wasm backend can use threads.
 * - The wasm backend's .wasm files are served under /tfjs-wasm/ (dev) and copied there (build).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const require = createRequire(import.meta.url);

/** The folder with the wasm backend's .wasm files, from the installed package. */
const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
const WASM_URL_DIR = 'tfjs-wasm';

const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

function tfjsWasmFiles(): Plugin {
  const files = fs.readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'));
  return {
    name: 'cpm-pose-demo:tfjs-wasm-files',
    configureServer(server) {
      server.middlewares.use(`/${WASM_URL_DIR}/`, (req, res, next) => {
        const name = decodeURIComponent((req.url ?? '').split('?')[0]!.replace(/^\//, ''));
        if (!files.includes(name)) return next();
        res.setHeader('Content-Type', 'application/wasm');
        res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
        fs.createReadStream(path.join(wasmDir, name)).pipe(res);
      });
    },
    generateBundle() {
      for (const f of files) {
        this.emitFile({ type: 'asset', fileName: `${WASM_URL_DIR}/${f}`, source: fs.readFileSync(path.join(wasmDir, f)) });
      }
    },
  };
}

export default defineConfig({
  root: here,
  // relative asset URLs: the build works from any folder it is served from
  base: './',
  resolve: {
    alias: [{ find: /^cpm-pose$/, replacement: repo }],
  },
  // the library's own `new URL('../models/...', import.meta.url)` must keep pointing at the package
  optimizeDeps: {
    exclude: ['cpm-pose'],
    include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'],
  },
  plugins: [tfjsWasmFiles()],
  server: {
    headers: isolationHeaders,
    fs: { allow: [repo] },
  },
  preview: {
    headers: isolationHeaders,
  },
  build: {
    outDir: process.env.CPM_DEMO_OUT_DIR ?? path.join(repo, '.cache', 'demo-build'),
    emptyOutDir: true,
    target: 'es2020',
    chunkSizeWarningLimit: 4096,
    // Vite 8's default minifier (Oxc) breaks the threaded wasm backend: its worker is built from
    // the factory function's source text, which no longer stands alone once minified ("e is not defined").
    minify: false,
    rollupOptions: {
      input: {
        webcam: path.join(here, 'index.html'),
        image: path.join(here, 'image.html'),
      },
    },
  },
});
