import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventChain, type EventChainDeps } from '../../../../../electron/services/audit/event-chain';
import { ValidationError } from '../../../../../electron/services/errors';
import { createWormS3Client } from '../../../../../electron/services/worm/s3-client';
import { FakeClock } from '../../../../helpers/fake-clock';
import { InMemoryAuditHeadStore } from '../../../../helpers/in-memory-audit-head-store';
import { MemoryLogger } from '../../../../helpers/memory-logger';
import { TEST_OPERATOR } from '../../../../helpers/audit-actors';

// No store is running: everything here must be refused before any request or lock is attempted.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'custody-audit-unit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function deps(overrides: Partial<EventChainDeps> = {}): EventChainDeps {
  return {
    s3: createWormS3Client({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', accessKeyId: 'k', secretAccessKey: 's' }),
    bucket: 'audit',
    logId: 'log-1',
    workstation: { hostname: 'ws', addresses: [] },
    clock: new FakeClock(),
    newEventId: () => 'e-1',
    retention: { mode: 'COMPLIANCE', durationMs: 1000 },
    headStore: new InMemoryAuditHeadStore(),
    lockFile: join(dir, 'audit.lock'),
    logger: new MemoryLogger(),
    ...overrides,
  };
}

describe('EventChain (no store)', () => {
  it('refuses unusable configuration when constructed', () => {
    expect(() => new EventChain(deps({ logId: 'a/b' }))).toThrow(ValidationError);
    expect(() => new EventChain(deps({ retention: { mode: 'COMPLIANCE', durationMs: 0 } }))).toThrow(/retention/);
  });

  it('rejects invalid events before touching the lock or the store', async () => {
    const log = new EventChain(deps());
    await expect(log.append({ action: 'erase' as never }, TEST_OPERATOR)).rejects.toBeInstanceOf(ValidationError);
    await expect(log.append({ action: 'play', conversationId: 'has spaces' }, TEST_OPERATOR)).rejects.toThrow(/conversation id/);
    await expect(log.append({ action: 'search', caseReference: 'ab' }, TEST_OPERATOR)).rejects.toThrow(/at least 3/);
    await expect(log.append({ action: 'search', extra: 1 } as never, TEST_OPERATOR)).rejects.toBeInstanceOf(ValidationError);
    await expect(log.append({ action: 'search' }, { osAccount: 'x' } as never)).rejects.toThrow(/operator/);
  });
});
