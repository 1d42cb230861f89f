import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { AuditEvent } from '../../shared/domain';
import { readEventChain } from './read-event-chain';
import { MANIFEST_CSV, MANIFEST_JSON, PARTIAL_DIR } from '../../electron/services/bulk/output-layout';
import { SANDBOX_CLIENT, type Sandbox } from '../sandbox/server';
import { shareProfileWithCli } from './cli-profile';
import { TEST_ANCHOR, type Harness } from './engine-harness';

/** Every file under `dir` (relative path -> SHA-256), the manifests and temporary folder aside. */
export async function filesUnder(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function walk(current: string): Promise<void> {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== PARTIAL_DIR) await walk(path);
      } else if (current !== dir || (entry.name !== MANIFEST_CSV && entry.name !== MANIFEST_JSON)) {
        out.set(relative(dir, path), createHash('sha256').update(await readFile(path)).digest('hex'));
      }
    }
  }
  await walk(dir);
  return out;
}

export async function partialsUnder(dir: string): Promise<Array<string>> {
  try {
    return await readdir(join(dir, PARTIAL_DIR));
  } catch {
    return [];
  }
}

export type ManifestJson = {
  job: { id: string; caseReference: string; state: string };
  files: Array<{ recordingId: string; conversationId: string; tradingId: string | null; file: string; bytes: number; sha256: string; auditEventId: string; source: string }>;
  notRetrieved: Array<{ recordingId: string | null; conversationId: string; state: string; reason: string | null }>;
};

export async function readManifest(dir: string): Promise<ManifestJson> {
  return JSON.parse(await readFile(join(dir, MANIFEST_JSON), 'utf8')) as ManifestJson;
}

export async function auditEvents(h: Harness): Promise<Array<AuditEvent>> {
  const events: Array<AuditEvent> = [];
  for await (const event of readEventChain(h.s3, h.bucket, h.composed.profile.logId)) events.push(event);
  return events;
}

/** Each recording the `download` events list (a bulk job's event lists a batch in `details.items`), with its event. */
export function auditedDownloads(events: ReadonlyArray<AuditEvent>): Array<{ eventId: string; conversationId: string; recordingId: string }> {
  return events
    .filter((e) => e.action === 'download')
    .flatMap((e) =>
      Array.isArray(e.details.items)
        ? (e.details.items as Array<[string, string]>).map(([conversationId, recordingId]) => ({ eventId: e.eventId, conversationId, recordingId }))
        : [{ eventId: e.eventId, conversationId: e.conversationId ?? '', recordingId: e.recordingId ?? '' }],
    );
}

/** The recordings of the sandbox's seeded calls in a queue, started in [fromMs, toMs). */
export function recordingsInQueue(sandbox: Sandbox, queueName: string, fromMs: number, toMs: number) {
  const queue = sandbox.dataset.queues.find((q) => q.name === queueName)!;
  const conversations = sandbox.dataset.conversations.filter((c) => c.queueId === queue.id && Date.parse(c.startTime) >= fromMs && Date.parse(c.startTime) < toMs);
  return conversations.flatMap((c) => c.recordings);
}

/** The CLI reads the keychain under the app's own service name; tests keep it in the private keyring. */
export async function storeCliCredentials(h: Harness): Promise<() => Promise<void>> {
  return (await shareProfileWithCli(h)).dispose;
}

/** Restores an archived recording the way an officer would in Genesys: a new archive date in the future. */
export async function restoreInGenesys(sandbox: Sandbox, conversationId: string, recordingId: string): Promise<void> {
  const basic = Buffer.from(`${SANDBOX_CLIENT.clientId}:${SANDBOX_CLIENT.clientSecret}`).toString('base64');
  const token = (await (
    await fetch(`${sandbox.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    })
  ).json()) as { access_token: string };
  const res = await fetch(`${sandbox.url}/api/v2/conversations/${conversationId}/recordings/${recordingId}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ archiveDate: new Date(Date.now() + 86_400_000).toISOString() }),
  });
  if (!res.ok) throw new Error(`restore failed: ${res.status} ${await res.text()}`);
}

/** A per-conversation job over the FX Spot Desk queue for the `days` before the sandbox's anchor, and the recordings it should retrieve. */
export async function createFxSpotJob(harness: Harness, outDir: string, options: { days: number; concurrency: number }) {
  const from = new Date(TEST_ANCHOR.getTime() - options.days * 86_400_000).toISOString();
  const to = TEST_ANCHOR.toISOString();
  const { job } = await harness.composed.jobs.create({
    selection: { kind: 'queue', queue: 'FX Spot Desk', from, to },
    caseReference: 'FCA-2026-0042',
    outDir,
    api: 'per-conversation',
    concurrency: options.concurrency,
  });
  return { job, expected: recordingsInQueue(harness.sandbox, 'FX Spot Desk', Date.parse(from), Date.parse(to)) };
}
