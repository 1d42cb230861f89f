import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../adapters/system-clock';
import { AppError } from '../errors';
import { createWormS3Client } from '../worm/s3-client';
import { verifyAuditLog } from './audit-verifier';
import { SerialQueue } from './serial-queue';
import type { VerifyCall, VerifyReply, VerifyWorkerData } from './verify-worker-client';

/**
 * The verification worker's thread: verifies audit logs from the bucket (thousands of object reads,
 * SHA-256 over every event, Merkle roots, signatures) with its own S3 client, so none of it runs on the
 * host's main thread. One call at a time, in order.
 */
const port = parentPort!;
const s3 = createWormS3Client((workerData as VerifyWorkerData).connection);
const queue = new SerialQueue();

port.on('message', (call: VerifyCall | 'close') => {
  if (call === 'close') {
    void queue.run(async () => {
      s3.destroy();
      port.close();
    });
    return;
  }
  void queue.run(() => run(call));
});

async function run({ id, options, progress }: VerifyCall): Promise<void> {
  const reply = (message: VerifyReply) => port.postMessage(message);
  try {
    const report = await verifyAuditLog({
      ...options,
      s3,
      clock: systemClock,
      ...(progress ? { onProgress: (read: number, total: number) => reply({ id, progress: { read, total } }) } : {}),
    });
    reply({ id, value: report });
  } catch (error) {
    // The code and retryability survive the thread (an unreachable store stays UPSTREAM_UNAVAILABLE); the cause stays here.
    const app = error instanceof AppError ? { code: error.code, retryable: error.retryable } : { code: 'INTERNAL' as const, retryable: false };
    reply({ id, error: { name: (error as Error).name ?? 'Error', message: (error as Error).message ?? String(error), ...app } });
  }
}
