import { describe, expect, it } from 'vitest';
import type { HealthStatus } from '../../../../../shared/health';
import { AuditUnavailableError, HttpError, NetworkError, PermissionDeniedError, WormStoreError } from '../../../../../electron/services/errors';
import { EventHub } from '../../../../../electron/services/events';
import { HealthMonitor, type HealthProbe } from '../../../../../electron/services/health/health-monitor';
import { FakeClock, flushMicrotasks } from '../../../../helpers/fake-clock';

/** A probe the test answers: each call waits until `answer` or `fail` settles it. */
function controlledProbe() {
  const pending: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  const probe: HealthProbe = () => new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
  return {
    probe,
    get calls() {
      return pending.length;
    },
    answer: () => pending.shift()!.resolve(),
    fail: (error: unknown) => pending.shift()!.reject(error),
  };
}

function setUp() {
  const clock = new FakeClock();
  const events = new EventHub();
  const worm = controlledProbe();
  const genesys = controlledProbe();
  const pushed: Array<HealthStatus> = [];
  events.subscribe((event) => {
    if (event.kind === 'health.changed') pushed.push(event.status);
  });
  const monitor = new HealthMonitor({
    probes: { worm: worm.probe, genesys: genesys.probe },
    events,
    clock,
    redact: (text) => text.replaceAll('s3cr3t', '[redacted]'),
  });
  return { clock, events, worm, genesys, pushed, monitor };
}

const at = (clock: FakeClock) => new Date(clock.now()).toISOString();

describe('health monitor', () => {
  it('knows nothing before the first probe, then says what each probe found and when', async () => {
    const { clock, worm, genesys, monitor, pushed } = setUp();
    expect(monitor.status()).toEqual({
      worm: { state: 'unknown', checkedAt: null, message: null },
      genesys: { state: 'unknown', checkedAt: null, message: null },
    });
    const checkedAt = at(clock);
    const check = monitor.check();
    await flushMicrotasks();
    worm.fail(new Error('connect ECONNREFUSED 127.0.0.1:7480 with key s3cr3t'));
    genesys.answer();
    expect(await check).toEqual({
      worm: { state: 'unreachable', checkedAt, message: 'connect ECONNREFUSED 127.0.0.1:7480 with key [redacted]' },
      genesys: { state: 'reachable', checkedAt, message: null },
    });
    expect(pushed.at(-1)).toEqual(monitor.status());
  });

  it('turns red at once when a real call fails, and green at once when an audit record is written or a sync completes', async () => {
    const { clock, events, monitor } = setUp();
    await clock.advance(1_000);
    monitor.observeFailure(new AuditUnavailableError('Audit log unavailable, access refused: ListObjectVersions s3://custody-audit ECONNREFUSED'));
    expect(monitor.status().worm).toEqual({
      state: 'unreachable',
      checkedAt: at(clock),
      message: 'Audit log unavailable, access refused: ListObjectVersions s3://custody-audit ECONNREFUSED',
    });
    monitor.observeFailure(new NetworkError('/api/v2/analytics/conversations/details/query', new Error('ECONNRESET')));
    expect(monitor.status().genesys.state).toBe('unreachable');

    await clock.advance(1_000);
    events.publish({ kind: 'audit.recorded', entry: { logId: 'log-1', seq: 1, eventId: 'e-1', time: at(clock), operator: { osAccount: 'jdoe', name: 'Jane' }, workstation: { hostname: 'ws', addresses: [] }, action: 'play', conversationId: null, recordingId: 'r', tradingId: null, caseReference: 'C', summary: null, alerts: [] } });
    events.publish({ kind: 'index.syncCompleted', syncedAt: at(clock) });
    expect(monitor.status()).toEqual({ worm: { state: 'reachable', checkedAt: at(clock), message: null }, genesys: { state: 'reachable', checkedAt: at(clock), message: null } });

    events.publish({ kind: 'index.syncFailed', message: 'Genesys could not be reached (HTTP 503); results come from the local index.' });
    expect(monitor.status().genesys.state).toBe('unreachable');
  });

  it('takes a failure that says nothing about reachability (a refusal, a permission, a non-retryable log problem) as no news', () => {
    const { monitor } = setUp();
    monitor.observeFailure(new PermissionDeniedError('play', ['recording:recording:view'], 'Olivia Adler'));
    monitor.observeFailure(new AuditUnavailableError('the log does not verify', undefined, { retryable: false }));
    monitor.observeFailure(new HttpError(404, '/api/v2/recordings', 'not found'));
    monitor.observeFailure(new WormStoreError('http://127.0.0.1:7480', 'WORM store refused the request: AccessDenied', { unavailable: false }));
    expect(monitor.status().worm.state).toBe('unknown');
    expect(monitor.status().genesys.state).toBe('unknown');
    monitor.observeFailure(new WormStoreError('http://127.0.0.1:7480', 'WORM store unavailable: ECONNREFUSED', { unavailable: true }));
    monitor.observeFailure(new HttpError(503, '/api/v2/recordings', 'Service Unavailable'));
    expect(monitor.status().worm.state).toBe('unreachable');
    expect(monitor.status().genesys.state).toBe('unreachable');
  });

  it('keeps what was seen last: a probe that started before a real call failed does not turn the target green when it answers after it', async () => {
    const { clock, worm, genesys, monitor } = setUp();
    const check = monitor.check();
    await flushMicrotasks();
    await clock.advance(500);
    monitor.observeFailure(new AuditUnavailableError('Audit log unavailable, access refused: ECONNREFUSED'));
    worm.answer();
    genesys.answer();
    const status = await check;
    expect(status.worm.state).toBe('unreachable');
    expect(status.worm.checkedAt).toBe(at(clock));
    expect(status.genesys.state).toBe('reachable');
  });

  it('counts a probe unanswered within the timeout as unreachable', async () => {
    const { clock, worm, genesys, monitor } = setUp();
    const check = monitor.check();
    await flushMicrotasks();
    genesys.answer();
    await clock.advance(5_000);
    const status = await check;
    expect(status.worm).toMatchObject({ state: 'unreachable', message: 'no answer within 5 s' });
    expect(status.genesys.state).toBe('reachable');
    expect(worm.calls).toBe(1);
  });

  it('probes every 30 s while watched, and stops when the watch ends', async () => {
    const { clock, worm, genesys, monitor } = setUp();
    const lifetime = new AbortController();
    const watching = monitor.watch(lifetime.signal);
    for (let round = 1; round <= 3; round += 1) {
      await flushMicrotasks();
      expect(worm.calls + genesys.calls, `round ${round}`).toBe(2);
      worm.answer();
      genesys.answer();
      await flushMicrotasks();
      if (round < 3) await clock.advance(30_000);
    }
    lifetime.abort();
    await watching;
    await clock.advance(60_000);
    expect(worm.calls + genesys.calls).toBe(0);
  });
});
