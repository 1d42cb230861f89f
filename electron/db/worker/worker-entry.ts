import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Where a worker thread's code is: `<name>.mjs` bundled next to the Electron main bundle (build.mjs), else
 * the TypeScript source `sourceUrl` run through tsx (load-from-source.mjs) for hosts that run from source.
 * `callerUrl` is the client's import.meta.url, which in the bundle is the main bundle's.
 */
export function workerEntry<T extends object>(callerUrl: string, name: string, sourceUrl: URL, data: T): { url: URL; workerData: T & { entry?: string } } {
  const bundled = new URL(`./${name}.mjs`, callerUrl);
  if (existsSync(fileURLToPath(bundled))) return { url: bundled, workerData: data };
  return { url: new URL('./load-from-source.mjs', import.meta.url), workerData: { ...data, entry: sourceUrl.href } };
}
