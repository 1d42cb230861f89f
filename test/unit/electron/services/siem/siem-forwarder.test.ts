import { describe, expect, it } from 'vitest';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import { createAuditMirrorRepository } from '../../../../../electron/db/repositories/audit-mirror-repository';
import { createSiemDeliveryRepository } from '../../../../../electron/db/repositories/siem-delivery-repository';
import { SiemForwarder } from '../../../../../electron/services/siem/siem-forwarder';
import type { StoredAuditEvent } from '../../../../../electron/services/siem/siem-record';
import { SiemDeliveryError, type SiemSender } from '../../../../../electron/services/siem/siem-transport';
import { auditRecord } from '../../../../helpers/audit-records';
import { FakeClock, flushMicrotasks } from '../../../../helpers/fake-clock';
import { MemoryLogger } from '../../../../helpers/memory-logger';

const LOG = '11111111-2222-4333-8444-555555555555';
const OTHER_LOG = '99999999-2222-4333-8444-555555555555';

/** A SIEM that keeps what it took, and can be down. */
class FakeSiem implements SiemSender {
  readonly destination = 'syslog+tcp://siem.test:514';
  readonly received: Array<StoredAuditEvent> = [];
  up = true;
  attempts = 0;
  async send(batch: ReadonlyArray<StoredAuditEvent>): Promise<void> {
    this.attempts += 1;
    if (!this.up) throw new SiemDeliveryError(this.destination, 'connect ECONNREFUSED');
    this.received.push(...batch);
  }
  seqs(): Array<number> {
    return this.received.map((e) => e.seq);
  }
}

/** A profile database (real SQLite, migrated) whose mirror holds `count` events of our log and a few of another workstation's. */
function profileDb(count: number) {
  const db = openDatabaseSync(':memory:');
  const mirror = createAuditMirrorRepository(db);
  const append = async (from: number, to: number) => {
    await mirror.recordEvents(LOG, Array.from({ length: to - from }, (_, i) => auditRecord(LOG, from + i)));
  };
  return { db, mirror, append, ready: Promise.all([append(0, count), mirror.recordEvents(OTHER_LOG, [auditRecord(OTHER_LOG, 0)])]) };
}

function forwarder(db: ReturnType<typeof profileDb>, siem: FakeSiem, clock: FakeClock, logger = new MemoryLogger()) {
  return new SiemForwarder({
    logId: LOG,
    sender: siem,
    events: db.mirror,
    delivery: createSiemDeliveryRepository(db.db),
    clock,
    random: () => 0.5,
    logger,
    batchSize: 4,
    backoff: { baseMs: 1_000, capMs: 8_000 },
  });
}

describe('SIEM forwarder (outbox: the audit mirror; cursor: siem_delivery)', () => {
  it('delivers every event of its own log once, in seq order, in batches, and then has nothing pending', async () => {
    const db = profileDb(10);
    await db.ready;
    const siem = new FakeSiem();
    const status = await forwarder(db, siem, new FakeClock()).deliverPending();
    expect(siem.seqs()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(siem.attempts).toBe(3);
    expect(siem.received.every((e) => JSON.parse(e.body).logId === LOG)).toBe(true);
    expect(status).toMatchObject({ pending: 0, nextSeq: 10, failingSince: null, lastError: null });
  });

  it('queues during an outage without holding up a nudge, backs off, and drains when the SIEM returns', async () => {
    const db = profileDb(3);
    await db.ready;
    const siem = new FakeSiem();
    const clock = new FakeClock();
    const logger = new MemoryLogger();
    const f = forwarder(db, siem, clock, logger);
    await f.deliverPending();
    siem.up = false;
    await db.append(3, 9);
    f.nudge(); // what the writer's announcement does: returns at once
    await flushMicrotasks();
    const down = await f.status();
    expect(down).toMatchObject({ pending: 6, nextSeq: 3, lastError: expect.stringContaining('ECONNREFUSED') as unknown });
    expect(down.failingSince).not.toBeNull();
    // Retries back off: a nudge while a retry is scheduled does not hammer the SIEM.
    const attempts = siem.attempts;
    f.nudge();
    await flushMicrotasks();
    expect(siem.attempts).toBe(attempts);
    await clock.advance(1_000);
    expect(siem.attempts).toBe(attempts + 1);
    siem.up = true;
    await clock.advance(8_000);
    await flushMicrotasks();
    expect(siem.seqs()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await f.status()).toMatchObject({ pending: 0, failingSince: null });
    expect(logger.entries.filter((e) => e.level === 'warn')).toHaveLength(1);
    f.stop();
  });

  it('survives a restart: a new forwarder on the same database resumes from the durable cursor', async () => {
    const db = profileDb(5);
    await db.ready;
    const first = new FakeSiem();
    await forwarder(db, first, new FakeClock()).deliverPending();
    await db.append(5, 7);
    const second = new FakeSiem();
    await forwarder(db, second, new FakeClock()).deliverPending();
    expect(second.seqs()).toEqual([5, 6]);
  });

  it('re-sends a batch the SIEM did not confirm (at least once; the event id deduplicates)', async () => {
    const db = profileDb(2);
    await db.ready;
    const siem = new FakeSiem();
    const flaky: SiemSender = {
      destination: siem.destination,
      send: async (batch) => {
        await siem.send(batch);
        throw new SiemDeliveryError(siem.destination, 'the connection closed before the receiver read the batch');
      },
    };
    const clock = new FakeClock();
    const f = new SiemForwarder({ logId: LOG, sender: flaky, events: db.mirror, delivery: createSiemDeliveryRepository(db.db), clock, random: () => 0.5, logger: new MemoryLogger() });
    await f.deliverPending();
    expect((await f.status()).nextSeq).toBe(0);
    await forwarder(db, siem, clock).deliverPending();
    expect(siem.received.map((e) => JSON.parse(e.body).eventId)).toEqual(['e-0', 'e-1', 'e-0', 'e-1']);
    f.stop();
  });

  it('stops within its budget and leaves the rest queued', async () => {
    const db = profileDb(12);
    await db.ready;
    const clock = new FakeClock();
    const slow: SiemSender = {
      destination: 'https://siem.test/services/collector',
      send: async () => {
        await clock.advance(600);
      },
    };
    const f = new SiemForwarder({ logId: LOG, sender: slow, events: db.mirror, delivery: createSiemDeliveryRepository(db.db), clock, random: () => 0.5, logger: new MemoryLogger(), batchSize: 4 });
    const status = await f.deliverPending({ budgetMs: 1_000 });
    expect(status.nextSeq).toBe(8);
    expect(status.pending).toBe(4);
  });

  it('abandons a hanging background send when the host closes, then sends what it can within the closing budget', async () => {
    const db = profileDb(3);
    await db.ready;
    const clock = new FakeClock();
    const received: Array<number> = [];
    let hang = true;
    const sender: SiemSender = {
      destination: 'syslog+tls://siem.test:6514',
      send: async (batch, _timeoutMs, signal) => {
        if (hang) {
          // A receiver that accepted the connection and never answers.
          await new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(new SiemDeliveryError('x', 'abandoned'))));
        }
        received.push(...batch.map((e) => e.seq));
      },
    };
    const logger = new MemoryLogger();
    const f = new SiemForwarder({ logId: LOG, sender, events: db.mirror, delivery: createSiemDeliveryRepository(db.db), clock, random: () => 0.5, logger });
    f.nudge();
    await flushMicrotasks();
    f.stop();
    hang = false;
    const status = await f.deliverPending({ budgetMs: 3_000 });
    expect(received).toEqual([0, 1, 2]);
    // Closing is not a SIEM failure: nothing recorded as one.
    expect(status).toMatchObject({ pending: 0, failingSince: null, lastError: null });
    expect(logger.entries.filter((e) => e.level !== 'info')).toEqual([]);
  });

  it('keeps one cursor per destination: a new SIEM gets the whole log', async () => {
    const db = profileDb(3);
    await db.ready;
    const delivery = createSiemDeliveryRepository(db.db);
    await delivery.delivered('syslog+tcp://old:514', LOG, 3, Date.now());
    const siem = new FakeSiem();
    await forwarder(db, siem, new FakeClock()).deliverPending();
    expect(siem.seqs()).toEqual([0, 1, 2]);
    // The cursor never moves back, whoever writes it last.
    await delivery.delivered(siem.destination, LOG, 1, Date.now());
    expect((await delivery.state(siem.destination, LOG)).nextSeq).toBe(3);
  });
});
