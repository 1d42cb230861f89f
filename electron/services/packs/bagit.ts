/**
 * BagIt 1.0 (RFC 8493) text files: bagit.txt, bag-info.txt, payload and tag manifests. Pure string
 * work, shared by the builder and the verifier so both read and write exactly one format.
 */

export const BAGIT_DECLARATION = 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n';

export type ManifestAlgorithm = 'sha256' | 'sha512';
export const manifestAlgorithms: ReadonlyArray<ManifestAlgorithm> = ['sha256', 'sha512'];

export type ManifestEntry = { path: string; digest: string };

/** RFC 8493 2.1.3: CR, LF and % in a manifest path are percent-encoded. */
export function encodeManifestPath(path: string): string {
  return path.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function decodeManifestPath(encoded: string): string {
  return encoded.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

/** One `<digest>  <path>` line per file, sorted by path, so a manifest is also what `sha256sum -c` reads. */
export function formatManifest(entries: ReadonlyArray<ManifestEntry>): string {
  return [...entries]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((e) => `${e.digest}  ${encodeManifestPath(e.path)}\n`)
    .join('');
}

export type ManifestParse = { entries: Array<ManifestEntry>; problems: Array<string> };

export function parseManifest(text: string, algorithm: ManifestAlgorithm): ManifestParse {
  const parser = new ManifestParser(algorithm);
  for (const line of text.split('\n')) parser.line(line);
  return parser.result();
}

/** parseManifest a line at a time, for manifests streamed from a pack of any size. */
export class ManifestParser {
  private readonly entries: Array<ManifestEntry> = [];
  private readonly problems: Array<string> = [];
  private readonly seen = new Set<string>();
  private index = 0;

  constructor(private readonly algorithm: ManifestAlgorithm) {}

  line(raw: string): void {
    this.index += 1;
    const line = raw.replace(/\r$/, '');
    if (line === '') return;
    const match = /^([0-9a-fA-F]+)[ \t]+\*?(.+)$/.exec(line);
    if (!match || match[1]!.length !== (this.algorithm === 'sha256' ? 64 : 128)) {
      this.problems.push(`line ${this.index} is not "<${this.algorithm} digest>  <path>"`);
      return;
    }
    const path = decodeManifestPath(match[2]!);
    if (!isSafeRelativePath(path)) {
      this.problems.push(`line ${this.index} names an unsafe path ${JSON.stringify(path)}`);
      return;
    }
    if (this.seen.has(path)) this.problems.push(`${path} is listed twice`);
    this.seen.add(path);
    this.entries.push({ path, digest: match[1]!.toLowerCase() });
  }

  result(): ManifestParse {
    return { entries: this.entries, problems: this.problems };
  }
}

/** Relative, forward slashes, no `.`/`..` segments, no absolute or drive paths. */
export function isSafeRelativePath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || /^[A-Za-z]:/.test(path) || path.includes('\0')) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

export type BagInfo = Array<[label: string, value: string]>;

/** `Label: value` lines; values never span lines here (we write no multi-line values). */
export function formatBagInfo(fields: BagInfo): string {
  return fields
    .map(([label, value]) => {
      if (/[\r\n:]/.test(label) || /[\r\n]/.test(value)) throw new Error(`bag-info field ${label} cannot be written on one line`);
      return `${label}: ${value}\n`;
    })
    .join('');
}

/** Reads bag-info.txt, joining continuation lines (lines starting with whitespace) as RFC 8493 2.2.2 allows. */
export function parseBagInfo(text: string): { fields: BagInfo; problems: Array<string> } {
  const fields: BagInfo = [];
  const problems: Array<string> = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (line === '') return;
    if (/^[ \t]/.test(line)) {
      const last = fields.at(-1);
      if (last) last[1] = `${last[1]} ${line.trim()}`;
      else problems.push(`line ${index + 1} continues nothing`);
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      problems.push(`line ${index + 1} is not "Label: value"`);
      return;
    }
    fields.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  });
  return { fields, problems };
}

export function bagInfoValue(fields: BagInfo, label: string): string | null {
  return fields.find(([l]) => l.toLowerCase() === label.toLowerCase())?.[1] ?? null;
}

/** Payload-Oxum: `<octet count>.<stream count>` of the payload. */
export function payloadOxum(totalBytes: number, fileCount: number): string {
  return `${totalBytes}.${fileCount}`;
}
