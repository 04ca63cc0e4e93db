/** Runtime environment probes shared by the loaders and the backend selection. */

/** True in Node (and Node-like runtimes), false in browsers and web workers. */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string' && typeof (globalThis as { window?: unknown }).window === 'undefined';
}

/** True where a DOM or a worker global scope exists. */
export function isBrowser(): boolean {
  return !isNode() && (typeof (globalThis as { window?: unknown }).window !== 'undefined'
    || typeof (globalThis as { importScripts?: unknown }).importScripts === 'function');
}

/**
 * Imports a Node built-in at run time. The specifier is a variable so that browser bundlers
 * (Vite, webpack, esbuild) neither resolve nor bundle it; only called when isNode() is true.
 */
export async function nodeImport<T = any>(specifier: string): Promise<T> {
  const name = specifier;
  return (await import(/* @vite-ignore */ /* webpackIgnore: true */ name)) as T;
}
