import { describe, expect, it } from 'vitest';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import { createTradeRepository } from '../../../../../electron/db/repositories/trade-repository';
import { AuditActor } from '../../../../../electron/services/audit/audit-actor';
import { BlotterImporter } from '../../../../../electron/services/trades/blotter-import';
import { BLOTTER_MAX_BYTES } from '../../../../../shared/ipc/channels/trades';
import { FakeAuditWriter } from '../../../../fakes/audit-writer';
import { FakeOfficerSession, OFFICER_A } from '../../../../fakes/officer-session';
import { FakeClock } from '../../../../helpers/fake-clock';
import { MemoryLogger } from '../../../../helpers/memory-logger';
import { blotterFix, type BlotterTrade } from '../../../../sandbox/blotter';

const HEADER = 'trade_id,executed_at,trader,client_account,instrument,side,quantity,price,channel';
const bytes = (text: string) => new TextEncoder().encode(text);

/** The importer on a real in-memory index, a fake WORM log and officer A signed in. */
function setUp() {
  const clock = new FakeClock();
  const trades = createTradeRepository(openDatabaseSync(':memory:'));
  const audit = new FakeAuditWriter({ clock });
  const officer = new FakeOfficerSession();
  const importer = new BlotterImporter({
    trades,
    audit: async () => audit,
    actors: { officer: (action) => AuditActor.officer(officer, action) },
    settings: { fixTraderPartyRoles: [12] },
    clock,
    logger: new MemoryLogger(),
  });
  return { importer, trades, audit, officer, clock };
}

describe('BlotterImporter', () => {
  it('audits what it will store before storing it, as the signed-in officer under the case', async () => {
    const { importer, trades, audit, clock } = setUp();
    const at = new Date(clock.now()).toISOString();
    const report = await importer.importBlotter({ fileName: 'C:\\desk\\blot\u202Eter.csv', content: bytes(`${HEADER}\nT-1,${at},a@b.test,ACC,EURUSD,buy,1,2,voice\nT-2,${at},a@b.test,,,,,,phone\n`) }, 'FCA-2026-0500');
    expect(report).toMatchObject({ format: 'csv', fileName: 'blot\\u202eter.csv', rows: 2, inserted: 1, updated: 0, unchanged: 0, rejected: [{ line: 3 }] });
    expect(audit.of('import')).toMatchObject([
      {
        caseReference: 'FCA-2026-0500',
        operator: { kind: 'officer', genesysUserId: OFFICER_A.genesysUserId },
        details: { fileName: 'blot\\u202eter.csv', fileSha256: report.fileSha256, format: 'csv', rows: 2, inserted: 1, updated: 0, unchanged: 0, rejected: 1, skipped: 0 },
      },
    ]);
    expect(await trades.trade('T-1')).toMatchObject({ importedAt: new Date(clock.now()).toISOString(), source: { line: 2, fileSha256: report.fileSha256 } });
  });

  it('stores nothing when the audit write is refused or nobody is signed in', async () => {
    const { importer, trades, audit, officer, clock } = setUp();
    const content = bytes(`${HEADER}\nT-1,${new Date(clock.now()).toISOString()},a@b.test,,,,,,voice\n`);
    audit.refuse();
    await expect(importer.importBlotter({ fileName: 'b.csv', content })).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    audit.acknowledge();
    officer.signOut();
    await expect(importer.importBlotter({ fileName: 'b.csv', content })).rejects.toMatchObject({ code: 'SIGNIN_REQUIRED' });
    expect(await trades.trade('T-1')).toBeNull();
    expect(audit.events).toEqual([]);
  });

  it('refuses an oversized file, a mapping for FIX and a bad case reference before writing anything; reads .log files as FIX', async () => {
    const { importer, audit, clock } = setUp();
    await expect(importer.importBlotter({ fileName: 'big.csv', content: new Uint8Array(BLOTTER_MAX_BYTES + 1) })).rejects.toThrow(/a blotter may be at most 33554432 bytes/);
    await expect(importer.importBlotter({ fileName: 'x.fix', content: bytes(''), mapping: { a: 'trade_id' } })).rejects.toThrow('A column mapping applies to CSV blotters only.');
    await expect(importer.importBlotter({ fileName: 'x.csv', content: bytes(HEADER) }, 'x')).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(audit.events).toEqual([]);
    const trade: BlotterTrade = { tradeId: 'E-1', executedAt: new Date(clock.now()).toISOString(), trader: 'u-1', clientAccount: 'ACC', instrument: 'EURUSD', side: 'buy', quantity: '1', price: '2', channel: 'voice' };
    expect(await importer.importBlotter({ fileName: 'dropcopy.log', content: bytes(blotterFix([trade])) })).toMatchObject({ format: 'fix', inserted: 1, skipped: 1 });
  });
});
