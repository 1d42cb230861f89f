import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { systemClock } from '../../../electron/services/adapters/system-clock';
import { evaluateUnattendedJobs } from '../../../electron/services/posture/posture-checks';
import { unattendedJobFacts } from '../../../electron/services/posture/unattended-jobs';
import { parseSiemUrl } from '../../../electron/services/siem/siem-settings';
import { createSiemSender } from '../../../electron/services/siem/siem-transport';
import { shareProfileWithCli } from '../../helpers/cli-profile';
import { startHarness, type Harness } from '../../helpers/engine-harness';
import { readEventChain } from '../../helpers/read-event-chain';

/**
 * Debian's rsyslog as the firm's SIEM receiver: imtcp on a plain port and on a TLS port (gtls, a test
 * CA), writing what it parsed of each RFC 5424 message (input, MSGID, structured data, message) to a file.
 */
type Receiver = { dir: string; tcpPort: number; tlsPort: number; caFile: string; out: string; process: ChildProcess | null };

const HOSTILE_CASE = 'CASE "q"] \\ x';

let rsyslog: Receiver;
let h: Harness;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'custody-siem-'));
  rsyslog = { dir, tcpPort: await freePort(), tlsPort: await freePort(), caFile: join(dir, 'ca.pem'), out: join(dir, 'received.log'), process: null };
  await makeCertificates(dir);
  await writeFile(
    join(dir, 'rsyslog.conf'),
    `global(workDirectory="${dir}" maxMessageSize="64k"
  DefaultNetstreamDriverCAFile="${dir}/ca.pem" DefaultNetstreamDriverCertFile="${dir}/server.pem" DefaultNetstreamDriverKeyFile="${dir}/server.key")
module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")
input(type="imtcp" port="${rsyslog.tcpPort}" name="plain" StreamDriver.Mode="0")
input(type="imtcp" port="${rsyslog.tlsPort}" name="tls")
template(name="parsed" type="string" string="%inputname%\\t%msgid%\\t%structured-data%\\t%msg%\\n")
action(type="omfile" file="${rsyslog.out}" template="parsed")
`,
  );
  await startRsyslog();
  h = await startHarness({
    worm: inject('worm').connection,
    profile: (p) => ({ ...p, siem: { url: `syslog+tls://localhost:${rsyslog.tlsPort}`, caFile: rsyslog.caFile, enterpriseId: 32473 } }),
  });
});

afterAll(async () => {
  await h?.close();
  await stopRsyslog();
  if (rsyslog) await rm(rsyslog.dir, { recursive: true, force: true });
});

describe('SIEM forwarding to rsyslog', () => {
  it('delivers every audit event of a session over TLS, including those queued while rsyslog was down', async () => {
    const { engine, siem, profile } = h.composed;
    await engine.search({ tradingId: 'T-SIEM-1' }, { caseReference: HOSTILE_CASE }, 'at-once');
    await engine.search({ text: 'before the outage' }, { caseReference: 'SIEM-IT-1' }, 'at-once');
    await waitForEvents(2);

    await stopRsyslog();
    const during: Array<number> = [];
    for (let i = 0; i < 3; i += 1) {
      const started = performance.now();
      await engine.search({ text: `during the outage ${i}` }, { caseReference: 'SIEM-IT-1' }, 'at-once');
      during.push(performance.now() - started);
    }
    // The outage costs accesses nothing: each waits for WORM, never for the SIEM.
    expect(Math.max(...during)).toBeLessThan(3_000);
    const queued = await siem.deliverPending({ budgetMs: 2_000 });
    expect(queued!.pending).toBeGreaterThanOrEqual(3);
    expect(queued!.failingSince).not.toBeNull();

    await startRsyslog();
    // No one asks: the forwarder's backoff finds the receiver back and drains the queue.
    const logIds = await eventIdsInWorm(profile.logId);
    await waitForEvents(logIds.length, 40_000);
    const received = await receivedLines();
    const receivedIds = new Set(received.filter((l) => l.input === 'tls').map((l) => l.params.eventId));
    for (const id of logIds) expect(receivedIds, `event ${id}`).toContain(id);
    expect((await siem.status())!).toMatchObject({ pending: 0, failingSince: null });

    // rsyslog's own RFC 5424 parser: one message per event (no value split a frame), MSGID the action,
    // the hostile case reference inside its escaped PARAM-VALUE, and the stored event as the message.
    const hostile = received.find((l) => l.params.caseReference === HOSTILE_CASE)!;
    expect(hostile.msgId).toBe('search');
    expect(hostile.structuredData).toContain(' caseReference="CASE \\"q\\"\\] \\\\ x"');
    expect(JSON.parse(hostile.msg)).toMatchObject({ eventId: hostile.params.eventId, caseReference: HOSTILE_CASE, logId: profile.logId });
  });

  it('speaks plain TCP too; an unattended job failure reported by the CLI reaches the SIEM as it closes, and the posture check', async () => {
    const batch = await h.composed.repositories.auditMirror.eventBodiesFrom(h.composed.profile.logId, 0, 100);
    await createSiemSender(parseSiemUrl(`syslog+tcp://127.0.0.1:${rsyslog.tcpPort}`), { enterpriseId: 32473 }).send(batch, 5_000);
    await waitFor(async () => (await receivedLines()).filter((l) => l.input === 'plain').length === batch.length, 10_000);

    const cli = await shareProfileWithCli(h, { officer: null });
    try {
      // What custody-job-failed@.service runs when the nightly unit fails (systemd sets MONITOR_*).
      const monitor = { MONITOR_SERVICE_RESULT: 'exit-code', MONITOR_EXIT_CODE: 'exited', MONITOR_EXIT_STATUS: '2', MONITOR_INVOCATION_ID: 'c0ffee'.padEnd(32, '0') };
      Object.assign(process.env, monitor);
      let reported;
      try {
        reported = await cli.run(['service', 'report-failure', '--unit', 'custody-archiver', '--json']);
      } finally {
        for (const name of Object.keys(monitor)) delete process.env[name];
      }
      expect(reported.code, reported.stderr).toBe(0);
      const { eventId } = JSON.parse(reported.stdout) as { eventId: string };
      // The command forwarded its own event as it closed, and left nothing queued.
      expect((await h.composed.siem.status())!.pending).toBe(0);
      await waitFor(async () => (await receivedLines()).some((l) => l.input === 'tls' && l.params.eventId === eventId), 10_000);
      const line = (await receivedLines()).find((l) => l.params.eventId === eventId)!;
      expect(line.msgId).toBe('posture');
      expect(JSON.parse(line.msg).details).toMatchObject({ kind: 'unattended-job-failed', unit: 'custody-archiver', result: 'exit-code', exitStatus: '2' });
      const check = evaluateUnattendedJobs({ ok: true, operation: 'audit mirror', value: await unattendedJobFacts({ events: h.composed.repositories.auditMirror, clock: systemClock }) });
      expect(check).toMatchObject({ id: 'unattended.failures', status: 'fail', summary: expect.stringContaining('custody-archiver') as unknown });
    } finally {
      await cli.dispose();
    }
  });
});

type ReceivedLine = { input: string; msgId: string; structuredData: string; params: Record<string, string>; msg: string };

async function receivedLines(): Promise<Array<ReceivedLine>> {
  let text: string;
  try {
    text = await readFile(rsyslog.out, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [input, msgId, structuredData, ...msg] = line.split('\t');
      const params: Record<string, string> = {};
      for (const m of structuredData!.matchAll(/ ([A-Za-z]+)="((?:[^"\\\]]|\\["\\\]])*)"/g)) params[m[1]!] = m[2]!.replace(/\\(["\\\]])/g, '$1');
      return { input: input!, msgId: msgId!, structuredData: structuredData!, params, msg: msg.join('\t') };
    });
}

async function eventIdsInWorm(logId: string): Promise<Array<string>> {
  const ids: Array<string> = [];
  for await (const event of readEventChain(h.s3, h.bucket, logId)) ids.push(event.eventId);
  return ids;
}

async function waitForEvents(count: number, timeoutMs = 15_000): Promise<void> {
  await waitFor(async () => new Set((await receivedLines()).filter((l) => l.input === 'tls').map((l) => l.params.eventId)).size >= count, timeoutMs);
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function startRsyslog(): Promise<void> {
  const child = spawn('/usr/sbin/rsyslogd', ['-n', '-f', join(rsyslog.dir, 'rsyslog.conf'), '-i', join(rsyslog.dir, 'rsyslog.pid')], { stdio: 'ignore' });
  rsyslog.process = child;
  await waitFor(async () => (await accepts(rsyslog.tcpPort)) && (await accepts(rsyslog.tlsPort)), 15_000);
}

async function stopRsyslog(): Promise<void> {
  const child = rsyslog?.process;
  if (!child || child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
  rsyslog.process = null;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** A throwaway CA and a server certificate for localhost signed by it (openssl, EC P-256). */
async function makeCertificates(dir: string): Promise<void> {
  const run = promisify(execFile);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.pem'), '-days', '2', '-subj', '/CN=Custody test SIEM CA']);
  await run('openssl', ['req', ...ec, '-keyout', join(dir, 'server.key'), '-out', join(dir, 'server.csr'), '-subj', '/CN=localhost']);
  await writeFile(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n');
  await run('openssl', ['x509', '-req', '-in', join(dir, 'server.csr'), '-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca.key'), '-CAcreateserial', '-out', join(dir, 'server.pem'), '-days', '2', '-extfile', join(dir, 'server.ext')]);
}
