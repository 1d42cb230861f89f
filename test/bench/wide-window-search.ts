// Wide-window search on real parts: a 2000-2100 search by trading ID against the Genesys sandbox (standard
// desk, 30 days), through the engine as the app calls it (answer at once, history synced behind it).
// Prints the time to the answer, to the trade appearing (the newest history lands first) and to the
// whole window synced, with the Genesys requests the sync made. Before this change the same search
// synced the whole window first (about 6 minutes on a real org). Run (needs the OS keychain):
//   dbus-run-session -- bash build/scripts/with-keyring.sh npx tsx test/bench/wide-window-search.ts
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalWorm } from '../../electron/services/worm/local-worm';
import { startHarness, uniqueTradingCall } from '../helpers/engine-harness';

console.log('command: dbus-run-session -- bash build/scripts/with-keyring.sh npx tsx test/bench/wide-window-search.ts');
console.log(`machine: load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const baseDir = await mkdtemp(join(tmpdir(), 'custody-wide-search-'));
const worm = await startLocalWorm({ baseDir });
try {
  const harness = await startHarness({ worm: worm.connection });
  try {
    const { engine, events } = harness.composed;
    const call = uniqueTradingCall(harness.sandbox);
    const query = { tradingId: call.tradingId, from: '2000-01-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z' };
    let pieces = 0;
    let tradeAt: number | null = null;
    const started = performance.now();
    const stop = events.subscribe((e) => {
      if (e.kind === 'index.syncProgress') pieces += 1;
    });
    const first = await engine.search(query, { caseReference: null }, 'at-once');
    const answeredMs = performance.now() - started;
    console.log(`answer: ${answeredMs.toFixed(0)} ms, ${first.matches.length} matches, index ${(first.index.window!.coveredFraction * 100).toFixed(2)}% complete for the window`);
    while (tradeAt === null) {
      const again = await engine.refreshSearch(first.auditEventId);
      if (again.matches.some((m) => m.tradingId === call.tradingId)) tradeAt = performance.now() - started;
      else await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`the trade appeared after ${tradeAt.toFixed(0)} ms (newest history first)`);
    await engine.backgroundIdle();
    const syncedMs = performance.now() - started;
    const final = await engine.refreshSearch(first.auditEventId);
    stop();
    const stats = harness.sandbox.stats();
    console.log(`whole window synced after ${(syncedMs / 1000).toFixed(1)} s in ${pieces} pieces; index ${(final.index.window!.coveredFraction * 100).toFixed(2)}% complete`);
    console.log(`Genesys API requests: ${stats.requests.api}; by endpoint: ${JSON.stringify(stats.byEndpoint)}`);
  } finally {
    await harness.close();
  }
} finally {
  await worm.stop();
  await rm(baseDir, { recursive: true, force: true });
}
