import { readFile } from 'node:fs/promises';
import { sha256Hex } from '../../electron/crypto/sha256';
import type { ArchiveMetadata, ArchiveStore, ObjectHead, ObjectVersion, StoredMedia } from '../../electron/services/archive/archive-store';
import { WormStoreError } from '../../electron/services/errors';
import type { LockMode } from '../../electron/services/worm/locked-objects';
import { sinkOf, type FileSink } from '../../electron/services/storage/durable-file';
import { writeThrough } from '../helpers/sealed-files';

/** What ArchiveStore offers its callers (its public surface, without the S3 client behind it). */
export type ArchiveStorePort = { [K in keyof ArchiveStore]: ArchiveStore[K] };

export type StoredVersion = {
  key: string;
  versionId: string;
  body: Buffer;
  contentType: string;
  metadata: Partial<ArchiveMetadata>;
  retainUntil: Date;
  legalHold: boolean;
};

const endpoint = 'http://worm.fake';

/**
 * An Object Lock bucket in memory, with the rules the archive relies on: versions are never
 * overwritten, COMPLIANCE retention only grows, a retained or held version cannot be deleted.
 * `down()` makes every call fail as an unreachable store does; `refuseLegalHold` fails one key's holds.
 */
export class InMemoryArchiveStore implements ArchiveStorePort {
  readonly versions: Array<StoredVersion> = [];
  readonly refuseLegalHold = new Set<string>();
  /** Store calls made, by name, to see what a run did. */
  readonly calls: Array<string> = [];
  private unavailable: string | null = null;
  private nextVersion = 0;

  constructor(
    readonly bucket = 'archive-bucket',
    readonly mode: LockMode = 'COMPLIANCE',
    private readonly now: () => number = Date.now,
    private readonly options: { locked?: boolean; multipartThresholdBytes?: number } = {},
  ) {}

  /** The ArchiveStore its consumers are typed against. */
  asArchiveStore(): ArchiveStore {
    return this as unknown as ArchiveStore;
  }

  down(reason = 'connect ECONNREFUSED'): void {
    this.unavailable = reason;
  }

  up(): void {
    this.unavailable = null;
  }

  version(key: string, versionId: string): StoredVersion {
    const found = this.versions.find((v) => v.key === key && v.versionId === versionId);
    if (!found) throw new WormStoreError(endpoint, `NoSuchVersion s3://${this.bucket}/${key} ${versionId}`, { unavailable: false, status: 404 });
    return found;
  }

  async assertLocked(): Promise<void> {
    this.reach('assertLocked');
    if (this.options.locked === false) throw new WormStoreError(endpoint, `The archive bucket "${this.bucket}" has no Object Lock.`, { unavailable: false });
  }

  isMultipart(bytes: number): boolean {
    return bytes > (this.options.multipartThresholdBytes ?? 64 * 1024 * 1024);
  }

  async versionsOf(key: string): Promise<Array<ObjectVersion>> {
    this.reach('versionsOf');
    return this.listing(key).filter((v) => v.key === key);
  }

  async *listVersions(prefix: string): AsyncIterable<ObjectVersion> {
    this.reach('listVersions');
    yield* this.listing(prefix);
  }

  async folders(prefix = ''): Promise<Array<string>> {
    this.reach('folders');
    const names = this.listing(prefix).map((v) => v.key.slice(prefix.length)).filter((rest) => rest.includes('/')).map((rest) => rest.slice(0, rest.indexOf('/')));
    return [...new Set(names)].sort();
  }

  async head(key: string, versionId: string): Promise<ObjectHead> {
    this.reach('head');
    const v = this.version(key, versionId);
    return { versionId, size: v.body.length, metadata: { ...v.metadata }, retainUntil: v.retainUntil, lockMode: this.mode, legalHold: v.legalHold, storageClass: null, tier: 'online', restoreExpiresAt: null };
  }

  async findVersionWithSha(key: string, sha256: string): Promise<ObjectHead | null> {
    for (const version of await this.versionsOf(key)) {
      const head = await this.head(key, version.versionId);
      if (head.metadata.sha256 === sha256) return head;
    }
    return null;
  }

  async putFile(input: Parameters<ArchiveStore['putFile']>[0]): Promise<StoredMedia> {
    this.reach('putFile');
    const body = await readFile(input.path);
    const stored = this.store({ key: input.key, body, contentType: input.contentType, metadata: input.metadata, retainUntil: input.retainUntil, legalHold: input.legalHold });
    return { versionId: stored.versionId, retainUntil: stored.retainUntil, multipart: this.isMultipart(input.bytes) };
  }

  async putJson(key: string, body: string, retainUntil: Date, legalHold: boolean): Promise<string> {
    this.reach('putJson');
    return this.store({ key, body: Buffer.from(body), contentType: 'application/json', metadata: {}, retainUntil, legalHold }).versionId;
  }

  async readJson(key: string, versionId: string): Promise<string> {
    this.reach('readJson');
    return this.version(key, versionId).body.toString('utf8');
  }

  async ensureRetention(key: string, versionId: string, retainUntil: Date): Promise<Date> {
    this.reach('ensureRetention');
    const v = this.version(key, versionId);
    if (v.retainUntil.getTime() < retainUntil.getTime()) v.retainUntil = retainUntil;
    return v.retainUntil;
  }

  async retention(key: string, versionId: string): Promise<{ mode: string; until: Date } | null> {
    this.reach('retention');
    return { mode: this.mode, until: this.version(key, versionId).retainUntil };
  }

  async setLegalHold(key: string, versionId: string, on: boolean): Promise<void> {
    this.reach('setLegalHold');
    if (this.refuseLegalHold.has(key)) throw new WormStoreError(endpoint, `PutObjectLegalHold s3://${this.bucket}/${key}: AccessDenied`, { unavailable: false, status: 403 });
    this.version(key, versionId).legalHold = on;
  }

  async legalHold(key: string, versionId: string): Promise<boolean> {
    this.reach('legalHold');
    return this.version(key, versionId).legalHold;
  }

  async deleteVersion(key: string, versionId: string): Promise<void> {
    this.reach('deleteVersion');
    const v = this.version(key, versionId);
    if (v.legalHold || v.retainUntil.getTime() > this.now()) {
      throw new WormStoreError(endpoint, `DeleteObject s3://${this.bucket}/${key} version ${versionId}: AccessDenied (retained or held)`, { unavailable: false, status: 403 });
    }
    this.versions.splice(this.versions.indexOf(v), 1);
  }

  async readToFile(key: string, versionId: string, target: FileSink | string): Promise<{ bytes: number; sha256: string; contentType: string }> {
    this.reach('readToFile');
    const v = this.version(key, versionId);
    await writeThrough(sinkOf(target), v.body);
    return { bytes: v.body.length, sha256: sha256Hex(v.body), contentType: v.contentType };
  }

  async requestRestore(): Promise<'requested' | 'in-progress'> {
    this.reach('requestRestore');
    return 'requested';
  }

  private reach(call: string): void {
    this.calls.push(call);
    if (this.unavailable !== null) throw new WormStoreError(endpoint, `The WORM store at ${endpoint} cannot be reached: ${this.unavailable}`, { unavailable: true });
  }

  private store(input: Omit<StoredVersion, 'versionId'>): StoredVersion {
    this.nextVersion += 1;
    const stored = { ...input, retainUntil: new Date(input.retainUntil), versionId: `v${String(this.nextVersion).padStart(6, '0')}` };
    this.versions.push(stored);
    return stored;
  }

  /** Key order, newest first within a key, as S3 lists versions. */
  private listing(prefix: string): Array<ObjectVersion> {
    return this.versions
      .filter((v) => v.key.startsWith(prefix))
      .map((v, i) => ({ v, i }))
      .sort((a, b) => a.v.key.localeCompare(b.v.key) || b.i - a.i)
      .map(({ v }) => ({ key: v.key, versionId: v.versionId, size: v.body.length, isLatest: this.versions.filter((o) => o.key === v.key).at(-1) === v, lastModified: null }));
  }
}
