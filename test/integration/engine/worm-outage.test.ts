import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalWorm } from '../../../electron/services/worm/local-worm';
import { startHarness, uniqueTradingCall, type Harness } from '../../helpers/engine-harness';
import { startTestWorm } from '../../helpers/worm';

async function filesUnder(dir: string): Promise<Array<string>> {
  try {
    return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  } catch {
    return [];
  }
}

describe('with the WORM store stopped', () => {
  let worm: LocalWorm;
  let h: Harness;
  beforeAll(async () => {
    worm = await startTestWorm();
    h = await startHarness({ worm: worm.connection });
    // While the store runs the index is filled and the officer gives a case reference.
    const call = uniqueTradingCall(h.sandbox);
    await h.composed.engine.search({ tradingId: call.tradingId }, { caseReference: null });
    h.composed.session.setCaseReference('FCA-2026-0042');
    await worm.stop();
  });
  afterAll(async () => {
    await h?.close();
    await worm?.stop().catch(() => undefined);
  });

  it('refuses playback with a clear message; nothing is fetched, cached or granted', async () => {
    const call = uniqueTradingCall(h.sandbox);
    const media = join(h.root, 'data', h.profile, 'media');
    const refused = h.composed.engine.authorizePlayback(call.recording.id, h.composed.session.caseReference);
    await expect(refused).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    await expect(refused).rejects.toThrow(new RegExp(worm.connection.endpoint.replace(/[.:/]/g, '\\$&')));
    expect(await filesUnder(media)).toEqual([]);
    expect(h.composed.grants.current(call.recording.id)).toBeNull();
    expect(h.sandbox.stats().requests.media).toBe(0);
  });

  it('refuses a download: no file in the output folder, none in the cache', async () => {
    const call = uniqueTradingCall(h.sandbox);
    const out = join(h.root, 'out');
    await expect(h.composed.engine.download(call.conversation.id, 'FCA-2026-0042', out)).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    expect(await filesUnder(out)).toEqual([]);
    expect(await filesUnder(join(h.root, 'data', h.profile, 'media'))).toEqual([]);
  });

  it('refuses a search too: every access is recorded first', async () => {
    await expect(h.composed.engine.search({ queue: 'FX' }, { caseReference: null })).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
  });
});
