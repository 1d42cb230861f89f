import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteBucketPolicyCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tradesCommand } from '../../../electron/cli/commands/trades';
import { createOutput } from '../../../electron/cli/output';
import type { AuditEvent } from '../../../shared/domain';
import type { ImportReport } from '../../../shared/trades';
import { startHarness, type Harness } from '../../helpers/engine-harness';
import { readEventChain } from '../../helpers/read-event-chain';
import { blotterCsv, blotterFix, sandboxBlotter, type BlotterTrade, type SandboxBlotter } from '../../sandbox/blotter';
import { OFFICER_A_USER } from '../../sandbox/users';

let h: Harness;
let blotter: SandboxBlotter;
let dir: string;

beforeAll(async () => {
  h = await startHarness({ worm: inject('worm').connection });
  blotter = sandboxBlotter(h.sandbox.dataset);
  dir = join(h.root, 'blotters');
  await mkdir(dir);
});
afterAll(async () => {
  await h?.close();
});

/** `custody trades …` run in this process on the harness's engine, as the CLI runs it (JSON output). */
async function cli(argv: ReadonlyArray<string>): Promise<{ code: number; report: ImportReport }> {
  let out = '';
  const sink = { write: (chunk: string) => ((out += chunk), true) };
  const streams = { out: sink, err: sink } as unknown as Parameters<typeof createOutput>[1];
  const code = await tradesCommand({ profile: h.profile, output: createOutput(true, streams) }, argv, (_ctx, run) => run(h.composed));
  return { code, report: JSON.parse(out) as ImportReport };
}

async function blotterFile(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

const allTrades = () => h.composed.repositories.trades.tradesBetween(0, Date.now() + 86_400_000);
const events = async () => {
  const found: Array<AuditEvent> = [];
  for await (const event of readEventChain(h.s3, h.bucket, h.composed.profile.logId)) found.push(event);
  return found;
};

describe('custody trades import', () => {
  it('loads the sandbox blotter (every planted kind), audited first as the signed-in officer under the case', async () => {
    const file = await blotterFile('blotter.csv', blotterCsv(blotter.trades));
    const { code, report } = await cli(['import', file, '--case', 'FCA-2026-0500']);
    expect(code).toBe(0);
    const { tagged, untagged, electronic, gaps } = blotter.planted;
    expect(report).toMatchObject({ format: 'csv', fileName: 'blotter.csv', rows: blotter.trades.length, inserted: blotter.trades.length, updated: 0, unchanged: 0, rejected: [] });
    const stored = await allTrades();
    expect(stored.filter((t) => t.channel === 'voice').map((t) => t.tradeId).sort()).toEqual([...tagged.keys(), ...untagged.keys(), ...gaps].sort());
    expect(stored.filter((t) => t.channel === 'electronic').map((t) => t.tradeId).sort()).toEqual([...electronic].sort());
    const first = blotter.trades[0]!;
    expect(await h.composed.repositories.trades.trade(first.tradeId)).toMatchObject({ ...first, source: { format: 'csv', fileName: 'blotter.csv', fileSha256: report.fileSha256, line: 2 } });

    const imported = (await events()).filter((e) => e.action === 'import');
    expect(imported).toHaveLength(1);
    expect(imported[0]).toMatchObject({
      caseReference: 'FCA-2026-0500',
      operator: { kind: 'officer', name: OFFICER_A_USER.name, email: OFFICER_A_USER.email },
      details: { fileName: 'blotter.csv', fileSha256: report.fileSha256, format: 'csv', rows: blotter.trades.length, inserted: blotter.trades.length, updated: 0, unchanged: 0, rejected: 0 },
    });
  });

  it('re-imports without duplicating: all unchanged, then one changed row updated', async () => {
    const again = await cli(['import', join(dir, 'blotter.csv')]);
    expect(again.report).toMatchObject({ inserted: 0, updated: 0, unchanged: blotter.trades.length });
    const changed: Array<BlotterTrade> = blotter.trades.map((t, i) => (i === 3 ? { ...t, price: '9.9999' } : t));
    const corrected = await cli(['import', await blotterFile('blotter-corrected.csv', blotterCsv(changed))]);
    expect(corrected.report).toMatchObject({ inserted: 0, updated: 1, unchanged: blotter.trades.length - 1 });
    expect(await h.composed.repositories.trades.trade(changed[3]!.tradeId)).toMatchObject({ price: '9.9999', source: { fileName: 'blotter-corrected.csv' } });
    expect(await allTrades()).toHaveLength(blotter.trades.length);
  });

  it('reports bad rows by line, loads the rest, and exits 2', async () => {
    const text = [
      'Deal,When,Dealer,Account,Venue',
      'X-1,2026-11-26T10:15:00+01:00,officer.a@sandbox.custody.test,ACC-1,voice',
      'X-2,2026-11-26T10:15:00,officer.a@sandbox.custody.test,ACC-1,voice',
      'x-1,2026-11-26T11:15:00Z,officer.a@sandbox.custody.test,ACC-1,voice',
      'X-3,2026-11-26T10:16:00Z,officer.a@sandbox.custody.test,ACC-1,phone',
      'X-4,2026-11-26T10:17:00Z,officer.a@sandbox.custody.test,ACC-2,electronic',
    ].join('\n');
    const mapping = await blotterFile('mapping.json', JSON.stringify({ Deal: 'trade_id', When: 'executed_at', Dealer: 'trader', Account: 'client_account', Venue: 'channel' }));
    const { code, report } = await cli(['import', await blotterFile('desk.csv', text), '--mapping', mapping]);
    expect(code).toBe(2);
    expect(report).toMatchObject({ rows: 5, inserted: 2 });
    expect(report.rejected.map((r) => r.line)).toEqual([3, 4, 5]);
    expect(report.rejected[1]!.reason).toMatch(/already on line 2/);
    expect(await h.composed.repositories.trades.trade('X-4')).toMatchObject({ channel: 'electronic', clientAccount: 'ACC-2' });
    expect(await h.composed.repositories.trades.trade('X-2')).toBeNull();
  });

  it('imports a FIX drop-copy log (ExecutionReports; the heartbeat skipped)', async () => {
    const voice = blotter.trades.filter((t) => t.channel === 'voice').slice(0, 5).map((t) => ({ ...t, tradeId: `FIX-${t.tradeId}` }));
    const report = await h.composed.trades.importer.importBlotter({ fileName: 'dropcopy.log', content: Buffer.from(blotterFix(voice, { delimiter: '\x01' })) });
    expect(report).toMatchObject({ format: 'fix', rows: 5, inserted: 5, rejected: [], skipped: 1 });
    const stored = await h.composed.repositories.trades.trade(voice[0]!.tradeId);
    expect(stored).toMatchObject({ trader: voice[0]!.trader, clientAccount: voice[0]!.clientAccount, quantity: voice[0]!.quantity, channel: 'voice', source: { format: 'fix', line: 2 } });
    expect(Date.parse(stored!.executedAt)).toBe(Date.parse(voice[0]!.executedAt));
  });

  it('stores nothing when the WORM store refuses the audit event', async () => {
    const before = (await events()).length;
    await h.s3.send(
      new PutBucketPolicyCommand({
        Bucket: h.bucket,
        Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${h.bucket}/*` }] }),
      }),
    );
    try {
      const refused = h.composed.trades.importer.importBlotter({ fileName: 'late.csv', content: Buffer.from(blotterCsv([{ ...blotter.trades[0]!, tradeId: 'LATE-1' }])) });
      await expect(refused).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    } finally {
      await h.s3.send(new DeleteBucketPolicyCommand({ Bucket: h.bucket }));
    }
    expect(await h.composed.repositories.trades.trade('LATE-1')).toBeNull();
    expect(await events()).toHaveLength(before);
  });
});
