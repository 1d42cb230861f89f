// Runs the TypeScript worker entry named in workerData through tsx, for hosts that run from source
// (the CLI, the browser shell, tests). The Electron build bundles the entry instead (build.mjs).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
