import { basename } from 'node:path';
import { caseReferenceSchema } from '../../../shared/domain';
import { BLOTTER_MAX_BYTES } from '../../../shared/ipc/channels/trades';
import type { Logger } from '../../../shared/logger';
import type { BlotterFormat, ImportReport } from '../../../shared/trades';
import { escapeUnsafeText } from '../../../shared/unsafe-text';
import { sha256Hex } from '../../crypto/sha256';
import type { TradeRepository } from '../../db/repositories/trade-repository';
import type { AuditActors } from '../audit/audit-actor';
import type { AuditWriter } from '../audit/audit-writer';
import { SerialQueue } from '../audit/serial-queue';
import { validated, ValidationError } from '../errors';
import type { Clock } from '../ports';
import { parseBlotterCsv } from './blotter-csv';
import { blotterText, type ParsedBlotter } from './blotter-rows';
import { parseFixLog } from './fix-messages';
import type { BlotterImport, BlotterInput } from './trade-ports';
import type { TradeSettings } from './trade-settings';

export type BlotterImporterDeps = {
  trades: Pick<TradeRepository, 'previewUpsert' | 'upsertTrades'>;
  audit: () => Promise<AuditWriter>;
  actors: Pick<AuditActors, 'officer'>;
  settings: Pick<TradeSettings, 'fixTraderPartyRoles'>;
  clock: Clock;
  logger: Logger;
};

/**
 * Imports a trade blotter (CSV or a FIX drop-copy log) into the index. The file is hostile: capped in
 * size, UTF-8 only, every row checked; bad rows are reported by line and the rest load. The 'import'
 * audit event (file, its SHA-256, what will be inserted, updated, left unchanged and rejected) is
 * written as the signed-in officer before anything is stored, so a refused audit write stores nothing.
 * A re-import updates changed trades and never duplicates one (one transaction).
 */
export class BlotterImporter implements BlotterImport {
  /** One import at a time, so what the audit event announces is what is stored. */
  private readonly imports = new SerialQueue();

  constructor(private readonly deps: BlotterImporterDeps) {}

  async importBlotter(input: BlotterInput, caseReference?: string): Promise<ImportReport> {
    const checkedCase = caseReference === undefined ? null : validated(caseReferenceSchema, caseReference, 'case reference');
    // Importing feeds the matching of calls: it needs what searching them does.
    const actor = await this.deps.actors.officer('search');
    const fileName = fileNameOf(input.fileName);
    const format = input.format ?? formatOfFileName(fileName);
    if (input.content.byteLength > BLOTTER_MAX_BYTES) {
      throw new ValidationError(`${fileName} is ${input.content.byteLength} bytes; a blotter may be at most ${BLOTTER_MAX_BYTES} bytes (split it by date and import each part).`);
    }
    if (input.mapping !== undefined && format !== 'csv') throw new ValidationError('A column mapping applies to CSV blotters only.');
    const fileSha256 = sha256Hex(input.content);
    const parsed = this.parse(blotterText(input.content), format, input.mapping);
    const trades = parsed.rows.map(({ trade, line, raw }) => ({ ...trade, source: { format, fileName, fileSha256, line, raw } }));

    return this.imports.run(async () => {
      const expected = await this.deps.trades.previewUpsert(trades);
      const summary = { fileName, fileSha256, format, rows: parsed.rows.length + parsed.rejected.length, ...expected, rejected: parsed.rejected.length };
      const event = await (await this.deps.audit()).append({ action: 'import', caseReference: checkedCase, details: { ...summary, skipped: parsed.skipped } }, actor);
      const stored = trades.length > 0 ? await this.deps.trades.upsertTrades(trades, this.deps.clock.now()) : { inserted: 0, updated: 0, unchanged: 0 };
      this.deps.logger.info('blotter imported', { ...summary, ...stored, auditEventId: event.eventId });
      return { format, fileName, fileSha256, rows: summary.rows, ...stored, rejected: parsed.rejected, skipped: parsed.skipped };
    });
  }

  private parse(text: string, format: BlotterFormat, mapping: BlotterInput['mapping']): ParsedBlotter {
    return format === 'csv' ? parseBlotterCsv(text, mapping ?? {}) : parseFixLog(text, { traderPartyRoles: this.deps.settings.fixTraderPartyRoles });
  }
}

/** The format a file name suggests: FIX logs end .fix or .log; anything else is read as CSV. */
export function formatOfFileName(fileName: string): BlotterFormat {
  return /\.(fix|log)$/i.test(fileName) ? 'fix' : 'csv';
}

/** The name recorded for the file: its last path segment (a renderer may send anything), at most 255 characters. */
function fileNameOf(name: string): string {
  // Control and bidi characters shown as escapes: the name reaches the audit log and the officer's screen.
  const last = escapeUnsafeText(basename(name.replace(/\\/g, '/')).trim());
  if (last === '' || last === '.' || last === '..') throw new ValidationError('The blotter has no file name.');
  return last.slice(0, 255);
}
