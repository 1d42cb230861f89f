import { describe, expect, it } from 'vitest';
import {
  decodeManifestPath,
  encodeManifestPath,
  formatBagInfo,
  formatManifest,
  isSafeRelativePath,
  parseBagInfo,
  parseManifest,
} from '../../../../../electron/services/packs/bagit';
import { DAT_QUALIFIER, DAT_SEPARATOR, formatCsv, formatDat, parseDat } from '../../../../../electron/services/packs/load-files';

describe('BagIt text files', () => {
  it('writes manifests sorted, in the "digest  path" form sha256sum -c reads, with RFC 8493 path escapes', () => {
    const text = formatManifest([
      { path: 'data/b.wav', digest: 'b'.repeat(64) },
      { path: 'data/a 100%\nx.json', digest: 'a'.repeat(64) },
    ]);
    expect(text).toBe(`${'a'.repeat(64)}  data/a 100%25%0Ax.json\n${'b'.repeat(64)}  data/b.wav\n`);
    expect(parseManifest(text, 'sha256')).toEqual({
      entries: [
        { path: 'data/a 100%\nx.json', digest: 'a'.repeat(64) },
        { path: 'data/b.wav', digest: 'b'.repeat(64) },
      ],
      problems: [],
    });
    expect(decodeManifestPath(encodeManifestPath('x%0Ay\r'))).toBe('x%0Ay\r');
  });

  it('names malformed, duplicate and unsafe manifest lines', () => {
    const { problems } = parseManifest(`${'a'.repeat(64)}  data/x\n${'a'.repeat(64)}  data/x\nnot a line\n${'c'.repeat(64)}  ../etc/passwd\n${'d'.repeat(10)}  data/y\n`, 'sha256');
    expect(problems).toEqual([
      'data/x is listed twice',
      'line 3 is not "<sha256 digest>  <path>"',
      'line 4 names an unsafe path "../etc/passwd"',
      'line 5 is not "<sha256 digest>  <path>"',
    ]);
    expect(['data/a', 'a/./b', '/abs', 'C:/x', 'a\\b', ''].map(isSafeRelativePath)).toEqual([true, false, false, false, false, false]);
  });

  it('reads bag-info with continuation lines and refuses to write a value that spans lines', () => {
    expect(parseBagInfo('Source-Organization: Firm\nExternal-Description: one\n  two\n').fields).toEqual([
      ['Source-Organization', 'Firm'],
      ['External-Description', 'one two'],
    ]);
    expect(() => formatBagInfo([['A', 'x\ny']])).toThrow(/one line/);
    expect(formatBagInfo([['Payload-Oxum', '10.2']])).toBe('Payload-Oxum: 10.2\n');
  });
});

describe('load files', () => {
  it('writes RFC 4180 CSV and a Concordance DAT (DC4 separator, þ qualifier, ® for newlines, UTF-8 BOM)', () => {
    const rows = [{ ID: 'R-1', NOTE: 'line one\nline two, "quoted"' }];
    expect(formatCsv(['ID', 'NOTE'], rows)).toBe('ID,NOTE\r\nR-1,"line one\nline two, ""quoted"""\r\n');
    const dat = formatDat(['ID', 'NOTE'], rows);
    expect(dat.startsWith('\ufeff')).toBe(true);
    expect(dat).toBe(`\ufeff${DAT_QUALIFIER}ID${DAT_QUALIFIER}${DAT_SEPARATOR}${DAT_QUALIFIER}NOTE${DAT_QUALIFIER}\r\n${DAT_QUALIFIER}R-1${DAT_QUALIFIER}${DAT_SEPARATOR}${DAT_QUALIFIER}line one\u00aeline two, "quoted"${DAT_QUALIFIER}\r\n`);
    expect(parseDat(dat)).toEqual([
      ['ID', 'NOTE'],
      ['R-1', 'line one\nline two, "quoted"'],
    ]);
  });
});
