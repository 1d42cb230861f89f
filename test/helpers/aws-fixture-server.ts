import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const fixtureDir = fileURLToPath(new URL('../fixtures/aws-s3/', import.meta.url));

export type AwsRequest = { method: string; bucket: string; key: string; query: URLSearchParams; body: string };

/** What to answer: a fixture file (relative to test/fixtures/aws-s3), its placeholders, and raw bytes to append. */
export type AwsAnswer = { fixture: string; vars?: Record<string, string>; body?: Buffer };

type ParsedFixture = { status: number; headers: Array<[string, string]>; body: string };

/** Reads an .http fixture (status line, headers, blank line, body) and fills its {{placeholders}}. */
export function readFixture(name: string, vars: Record<string, string> = {}): ParsedFixture {
  const all = { date: new Date().toUTCString(), ...vars };
  const text = readFileSync(`${fixtureDir}${name}`, 'utf8').replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = all[key as keyof typeof all];
    if (value === undefined) throw new Error(`fixture ${name} needs {{${key}}}`);
    return value;
  });
  const [head, ...rest] = text.split('\n\n');
  const [statusLine, ...headerLines] = head!.split('\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine!)?.[1]);
  const headers = headerLines.filter((l) => l.trim()).map((l): [string, string] => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()]);
  return { status, headers, body: rest.join('\n\n') };
}

/**
 * A path-style S3 endpoint on 127.0.0.1:0 that answers from fixtures: `answer` picks one per request
 * (null: 501 NotImplemented). Records every request so tests can assert what the client sent.
 */
export async function startAwsFixtureServer(answer: (request: AwsRequest) => AwsAnswer | null) {
  const requests: Array<AwsRequest> = [];
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => {
      const url = new URL(req.url ?? '/', 'http://fixture');
      const [, bucket = '', ...keyParts] = url.pathname.split('/');
      const request = { method: req.method ?? 'GET', bucket, key: decodeURIComponent(keyParts.join('/')), query: url.searchParams, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(request);
      const chosen = answer(request);
      if (!chosen) {
        res.writeHead(501, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NotImplemented</Code><Message>not in the fixtures</Message></Error>');
        return;
      }
      const fixture = readFixture(chosen.fixture, chosen.vars);
      const body = chosen.body ?? Buffer.from(fixture.body, 'utf8');
      const headers = fixture.headers.filter(([name]) => name.toLowerCase() !== 'content-length' || request.method === 'HEAD' || chosen.body);
      if (request.method !== 'HEAD' && !chosen.body) headers.push(['Content-Length', String(body.length)]);
      res.writeHead(fixture.status, headers.flat());
      res.end(request.method === 'HEAD' ? undefined : body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
