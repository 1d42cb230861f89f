import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { parseSiemUrl } from '../../../../../electron/services/siem/siem-settings';
import { createSiemSender, SiemDeliveryError } from '../../../../../electron/services/siem/siem-transport';
import { auditRecord } from '../../../../helpers/audit-records';

const LOG = '11111111-2222-4333-8444-555555555555';
const batch = [0, 1].map((seq) => ({ seq, body: auditRecord(LOG, seq).body }));
let tls: { ca: string; key: string; cert: string };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'siem-tls-'));
  const run = promisify(execFile);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.pem'), '-days', '1', '-subj', '/CN=test CA']);
  await run('openssl', ['req', ...ec, '-keyout', join(dir, 'server.key'), '-out', join(dir, 'server.csr'), '-subj', '/CN=localhost']);
  await writeFile(join(dir, 'ext'), 'subjectAltName=DNS:localhost\n');
  await run('openssl', ['x509', '-req', '-in', join(dir, 'server.csr'), '-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca.key'), '-CAcreateserial', '-out', join(dir, 'server.pem'), '-days', '1', '-extfile', join(dir, 'ext')]);
  tls = { ca: await readFile(join(dir, 'ca.pem'), 'utf8'), key: await readFile(join(dir, 'server.key'), 'utf8'), cert: await readFile(join(dir, 'server.pem'), 'utf8') };
});

afterAll(async () => rm(dir, { recursive: true, force: true }));

/** An HTTPS collector answering `status`, keeping what it was sent. */
async function collector(status: number) {
  const received: Array<{ authorization: string | undefined; contentType: string | undefined; body: string }> = [];
  const server = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ authorization: req.headers.authorization, contentType: req.headers['content-type'], body });
      res.writeHead(status).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(() => void server.close());
  return { url: `https://localhost:${(server.address() as AddressInfo).port}/services/collector/event`, received };
}

describe('SIEM senders', () => {
  it('POSTs one JSON line per event over HTTPS, with the token as the Authorization header, trusting the configured CA', async () => {
    const siem = await collector(200);
    await createSiemSender(parseSiemUrl(siem.url), { ca: tls.ca, authorization: 'Splunk 1234-abcd', enterpriseId: 32473 }).send(batch, 5_000);
    expect(siem.received).toHaveLength(1);
    const [request] = siem.received;
    expect(request).toMatchObject({ authorization: 'Splunk 1234-abcd', contentType: 'application/x-ndjson' });
    expect(request!.body.split('\n').map((line) => (JSON.parse(line) as { event: { eventId: string } }).event.eventId)).toEqual(['e-0', 'e-1']);
    // A bare token goes as a bearer token.
    await createSiemSender(parseSiemUrl(siem.url), { ca: tls.ca, authorization: 'abcd', enterpriseId: 32473 }).send(batch, 5_000);
    expect(siem.received[1]!.authorization).toBe('Bearer abcd');
  });

  it('refuses a collector whose certificate is not from the configured CA, and counts a non-2xx answer as not delivered', async () => {
    const siem = await collector(200);
    await expect(createSiemSender(parseSiemUrl(siem.url), { enterpriseId: 32473 }).send(batch, 5_000)).rejects.toThrow(/certificate/);
    const busy = await collector(503);
    const failure = await createSiemSender(parseSiemUrl(busy.url), { ca: tls.ca, authorization: 'Splunk 1234-abcd', enterpriseId: 32473 }).send(batch, 5_000).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SiemDeliveryError);
    expect((failure as Error).message).toContain('HTTP 503');
    expect((failure as Error).message).not.toContain('1234-abcd');
  });

  it('counts a syslog batch as delivered only when the receiver read it to the end and closed its side', async () => {
    const frames: Array<string> = [];
    const reader = createTcpServer((socket) => {
      let data = '';
      socket.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
      socket.on('end', () => {
        frames.push(data);
        socket.end();
      });
    });
    reader.listen(0, '127.0.0.1');
    await once(reader, 'listening');
    onTestFinished(() => void reader.close());
    const port = (reader.address() as AddressInfo).port;
    await createSiemSender(parseSiemUrl(`syslog+tcp://127.0.0.1:${port}`), { enterpriseId: 32473 }).send(batch, 5_000);
    expect(frames).toHaveLength(1);
    // Octet counting (RFC 6587 3.4.1): LENGTH SP MESSAGE, back to back, the length in bytes.
    const messages: Array<string> = [];
    for (let rest = Buffer.from(frames[0]!); rest.length > 0; ) {
      const space = rest.indexOf(0x20);
      const length = Number(rest.subarray(0, space).toString('ascii'));
      messages.push(rest.subarray(space + 1, space + 1 + length).toString('utf8'));
      rest = rest.subarray(space + 1 + length);
    }
    expect(messages.map((m) => /eventId="(e-\d)"/.exec(m)?.[1])).toEqual(['e-0', 'e-1']);
    expect(messages.every((m) => m.startsWith('<110>1 ') && m.endsWith('}'))).toBe(true);

    // A receiver that drops the connection without reading: not delivered.
    const dropper = createTcpServer((socket) => socket.resetAndDestroy());
    dropper.listen(0, '127.0.0.1');
    await once(dropper, 'listening');
    onTestFinished(() => void dropper.close());
    const dropped = createSiemSender(parseSiemUrl(`syslog+tcp://127.0.0.1:${(dropper.address() as AddressInfo).port}`), { enterpriseId: 32473 });
    await expect(dropped.send(batch, 5_000)).rejects.toBeInstanceOf(SiemDeliveryError);
    // Nobody listening: refused at once.
    await expect(createSiemSender(parseSiemUrl('syslog+tcp://127.0.0.1:1'), { enterpriseId: 32473 }).send(batch, 5_000)).rejects.toThrow(/ECONNREFUSED/);
  });
});
