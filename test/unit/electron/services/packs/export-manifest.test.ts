import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../../../electron/crypto/sha256';
import { ExportManifestReader, exportManifestKey, exportManifestRefOf, writeExportManifest } from '../../../../../electron/services/packs/export-manifest';
import type { ExportManifestItem } from '../../../../../shared/pack-format';
import { testTempDir } from '../../../../helpers/temp-dir';

const header = { schema: 'custody.export-manifest.v1' as const, packId: 'p-1', logId: 'log-1', caseReference: 'FCA-1', items: 3 };
const items: Array<ExportManifestItem> = [0, 1, 2].map((i) => ({ conversationId: `c-${i}`, recordingId: `r-${i}`, tradingIds: i === 1 ? [] : [`T-${i}`], caseReference: 'FCA-1', sha256: i === 2 ? null : 'a'.repeat(64) }));

function readAll(bytes: Buffer, chunk: number) {
  const seen: Array<ExportManifestItem> = [];
  const reader = new ExportManifestReader((item) => seen.push(item));
  for (let at = 0; at < bytes.length; at += chunk) reader.push(bytes.subarray(at, at + chunk));
  return { ...reader.end(), seen };
}

describe('export manifest', () => {
  it('is written as canonical JSON lines and read back whatever the chunk boundaries, with its size and SHA-256', async () => {
    const path = join(await testTempDir('custody-manifest-'), 'm.jsonl');
    const written = await writeExportManifest(path, header, items);
    const bytes = await readFile(path);
    expect(written).toMatchObject({ bytes: bytes.length, sha256: sha256Hex(bytes) });
    expect(bytes.toString('utf8').split('\n')[1]).toBe('{"caseReference":"FCA-1","conversationId":"c-0","recordingId":"r-0","sha256":"' + 'a'.repeat(64) + '","tradingIds":["T-0"]}');
    for (const chunk of [1, 7, bytes.length]) {
      const read = readAll(bytes, chunk);
      expect(read).toMatchObject({ header, items: 3, bytes: bytes.length, sha256: written.sha256 });
      expect(read.seen).toEqual(items);
    }
  });

  it('refuses a bad line, an unknown field, a count that differs from its header, and a header that is not one', () => {
    const lines = (...values: Array<unknown>) => Buffer.from(values.map((v) => `${typeof v === 'string' ? v : JSON.stringify(v)}\n`).join(''));
    expect(() => readAll(lines(header, items[0], '{not json', items[2]), 5)).toThrow(/line 3 of the export manifest is not JSON/);
    expect(() => readAll(lines(header, items[0], { ...items[1], extra: 1 }, items[2]), 5)).toThrow(/line 3 is not an export manifest item/);
    expect(() => readAll(lines(header, items[0], items[1]), 5)).toThrow(/holds 2 items, its header says 3/);
    expect(() => readAll(lines(items[0]), 5)).toThrow(/line 1 is not a custody.export-manifest.v1 header/);
  });

  it('is named in the export event; events from before manifests name none', () => {
    expect(exportManifestKey('log-1', 'p-1')).toBe('audit/v1/log-1/exports/p-1.jsonl');
    expect(() => exportManifestKey('log-1', '../p')).toThrow(/not a pack id/);
    const ref = { key: 'audit/v1/log-1/exports/p-1.jsonl', sha256: 'b'.repeat(64), bytes: 10, items: 3 };
    expect(exportManifestRefOf({ action: 'export', details: { manifest: ref } })).toEqual(ref);
    expect(exportManifestRefOf({ action: 'export', details: { items: [['c-0', 'r-0']] } })).toBeNull();
    expect(() => exportManifestRefOf({ action: 'export', details: { manifest: { key: 1 } } })).toThrow(/unknown form/);
  });
});
