import { randomBytes } from 'node:crypto';
import type { FileSink } from '../../electron/services/storage/durable-file';

/** A fresh key for a test's media cache or index (in production it comes from the OS keychain). */
export const testAtRestKey = (): Buffer => randomBytes(32);

/** Writes `bytes` through a writer's target (the media cache hands a sealed one), as a download would. */
export async function writeThrough(target: FileSink, bytes: Uint8Array): Promise<void> {
  const file = await target.open();
  try {
    await file.append(bytes);
    await file.complete();
  } finally {
    await file.close();
  }
}
