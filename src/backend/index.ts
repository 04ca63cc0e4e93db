export { selectBackend, ensureBackend, nodeWasmDir, BACKEND_CHOICES } from './backend.js';
export type { BackendName, BackendChoice, BackendOptions, BackendResult } from './backend.js';
