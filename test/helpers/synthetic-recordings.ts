import { join } from 'node:path';
import { sha256Hex } from '../../electron/crypto/sha256';
import type { Db } from '../../electron/db/connection';
import { createIndexRepository } from '../../electron/db/repositories/index-repository';
import { createMediaRepository } from '../../electron/db/repositories/media-repository';
import { systemClock } from '../../electron/services/adapters/system-clock';
import { MediaCache } from '../../electron/services/cache/media-cache';
import { pcmWavHeader } from '../../electron/services/packs/audio-copy';

export type SyntheticRecording = { conversationId: string; recordingId: string; tradingId: string };

/**
 * `count` tiny recordings (10 ms of 8 kHz mono PCM, 204 bytes each) as if already retrieved: rows in the
 * profile's index and media table, files sealed in its media cache under the profile's cache key (through
 * the cache itself, as a retrieval leaves them). For packs of thousands of recordings without retrieving
 * thousands of calls.
 */
export async function seedTinyRecordings(target: { db: Db; dataDir: string; cacheKey: Buffer }, count: number, prefix = 'tiny'): Promise<Array<SyntheticRecording>> {
  const index = createIndexRepository(target.db);
  const cache = new MediaCache({ dir: join(target.dataDir, 'media'), repository: createMediaRepository(target.db), clock: systemClock, key: target.cacheKey });
  const now = Date.now();
  const seeded = Array.from({ length: count }, (_, i) => {
    const n = String(i).padStart(5, '0');
    return { conversationId: `${prefix}-conv-${n}`, recordingId: `${prefix}-rec-${n}`, tradingId: `T-${prefix.toUpperCase()}-${n}`, startMs: now - 86_400_000 + i * 1000 };
  });
  await index.upsertConversations(
    seeded.map((r) => ({
      id: r.conversationId,
      startMs: r.startMs,
      endMs: r.startMs + 10,
      direction: 'inbound',
      queueId: 'q-synthetic',
      queueName: 'FX Spot Desk',
      agentId: 'a-synthetic',
      agentName: 'Synthetic Agent',
      tradingId: r.tradingId,
      clientAccount: 'ACC-100001',
      participants: [{ purpose: 'agent', name: 'Synthetic Agent', userId: 'a-synthetic' }],
      hasRecording: true,
    })),
    now,
  );
  for (const [i, r] of seeded.entries()) {
    await index.replaceRecordings(r.conversationId, [{ id: r.recordingId, startMs: r.startMs, endMs: r.startMs + 10, media: 'audio', fileState: 'AVAILABLE', archiveDate: null, deleteDate: null }], now);
    const samples = Buffer.alloc(160, i & 0xff);
    const bytes = Buffer.concat([pcmWavHeader(1, 8000, 16, samples.length), samples]);
    await cache.store(r.recordingId, 'genesys', async (sink) => {
      const handle = await sink.open();
      try {
        await handle.append(bytes);
        await handle.complete();
      } finally {
        await handle.close();
      }
      return { bytes: bytes.length, sha256: sha256Hex(bytes), contentType: 'audio/wav' };
    });
  }
  return seeded.map(({ conversationId, recordingId, tradingId }) => ({ conversationId, recordingId, tradingId }));
}
