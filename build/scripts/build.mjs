// Builds what the app runs: the renderer (Vite) into dist/renderer, and the Electron main process
// and preload (esbuild) into dist/electron. The CLI runs from source through tsx (bin/custody.mjs).
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const quiet = process.argv.includes('--quiet');

await viteBuild({ configFile: `${root}renderer/vite.config.ts`, logLevel: quiet ? 'error' : 'info' });

const common = { bundle: true, platform: 'node', target: 'node22', sourcemap: true, logLevel: quiet ? 'error' : 'info', absWorkingDir: root };
await esbuild({
  ...common,
  entryPoints: ['electron/main/index.ts'],
  outfile: 'dist/electron/main.mjs',
  format: 'esm',
  // Native and SDK packages stay in node_modules; electron-builder ships them (rebuilt for Electron).
  packages: 'external',
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
});
// The database worker runs in its own thread, so it is its own file next to main.mjs (database-worker-client.ts finds it there).
await esbuild({
  ...common,
  entryPoints: ['electron/db/worker/database-worker.ts'],
  outfile: 'dist/electron/database-worker.mjs',
  format: 'esm',
  packages: 'external',
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
});
// So does the audit verification worker (verify-worker-client.ts finds it there).
await esbuild({
  ...common,
  entryPoints: ['electron/services/audit/verify-worker.ts'],
  outfile: 'dist/electron/verify-worker.mjs',
  format: 'esm',
  packages: 'external',
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
});
// A sandboxed preload cannot require npm modules: bundle it whole, as CommonJS.
await esbuild({ ...common, entryPoints: ['electron/preload/index.ts'], outfile: 'dist/electron/preload.cjs', format: 'cjs', external: ['electron'] });
