import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startVerifyWorker } from '../../../../../electron/services/audit/verify-worker-client';

/** A loopback port nothing listens on: the store is unreachable. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the verification worker', () => {
  it('reports an unreachable store as such across the thread, and is refused once closed', async () => {
    const connection = { endpoint: `http://127.0.0.1:${await closedPort()}`, region: 'us-east-1', accessKeyId: 'AKIATEST', secretAccessKey: 'not-a-real-secret' };
    const worker = startVerifyWorker(connection);
    const logId = '11111111-1111-4111-8111-111111111111';
    const failure = await worker.verifyLog({ bucket: 'custody-audit', logId }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
    expect(String((failure as Error).message)).not.toContain(connection.secretAccessKey);
    await worker.close();
    await expect(worker.verifyLog({ bucket: 'custody-audit', logId })).rejects.toThrow(/verification worker was closed/);
  }, 60_000);
});
