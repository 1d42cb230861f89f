import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { caseReferenceSchema, conversationIdSchema, recordingIdSchema, type AuditEvent, type Operator, type Workstation } from '../../../shared/domain';
import type { Logger } from '../../../shared/logger';
import {
  packDocumentSchema,
  packWavPath,
  type PackDocument,
  type PackProofs,
  type PackRecording,
  type PackSignature,
} from '../../../shared/pack-format';
import { escapeUnsafeText } from '../../../shared/unsafe-text';
import type { IndexRecording } from '../../db/repositories/index-repository';
import type { CachedMedia } from '../cache/media-cache';
import { pathUnderRoot } from '../contained-path';
import type { AuditWriter } from '../audit/audit-writer';
import type { AuditModule } from '../audit/audit-module';
import type { CustodyEngine } from '../custody-engine';
import { AppError, StorageError, ValidationError } from '../errors';
import type { EventHub, PackBuildStage } from '../events';
import type { Clock } from '../ports';
import type { SigningKey } from '../signing/signing-key';
import { moveIntoPlace, syncPath } from '../storage/durable-file';
import { CUSTODY_VERSION } from '../version';
import { collectAuditEvidence, type AuditEvidence } from './audit-evidence';
import { copyRecording, type AudioCopies } from './audio-copy';
import { BAGIT_DECLARATION, formatBagInfo, formatManifest, payloadOxum, type ManifestAlgorithm } from './bagit';
import { digestOf, writeDigested, type Digests } from './file-digests';
import { formatCsv, formatDat, type LoadFileRow } from './load-files';
import { renderOfflineViewer } from './offline-viewer';
import { writeZip } from './zip';

export type PackSelection =
  | { kind: 'tradingIds'; tradingIds: ReadonlyArray<string> }
  | { kind: 'conversations'; conversationIds: ReadonlyArray<string> }
  | { kind: 'recordings'; recordingIds: ReadonlyArray<string> }
  /** Every recording accessed (played, downloaded, previewed or exported) under this case reference. */
  | { kind: 'case'; caseReference: string };

export type PackRequest = {
  selection: PackSelection;
  caseReference: string;
  /** The pack's final path: a directory, or a .zip file with `zip`. Must not exist yet. */
  outPath: string;
  zip?: boolean;
  sourceOrganization?: string;
};

export type PackResult = {
  packId: string;
  path: string;
  zip: boolean;
  caseReference: string;
  exportEventId: string;
  recordings: number;
  payloadBytes: number;
  payloadFiles: number;
  checkpointTreeSize: number;
  wroteCheckpoint: boolean;
  signingKeyId: string;
  ms: number;
};

export type PackBuilderDeps = {
  engine: Pick<CustodyEngine, 'search' | 'conversationRecordings' | 'mediaForAuditedExport'>;
  findRecording: (recordingId: string) => Promise<IndexRecording | null>;
  audit: () => Promise<AuditWriter>;
  /** The audit log's mirror (events, proofs) and checkpointer (signed checkpoints). */
  auditLog: () => Promise<Pick<AuditModule, 'logId' | 'mirror' | 'checkpointer'>>;
  signingKey: () => Promise<SigningKey>;
  operator: Operator;
  workstation: Workstation;
  clock: Clock;
  logger: Logger;
  events: EventHub;
};

/** The export event lists every item; past this many the event would outgrow an audit record. */
export const MAX_PACK_RECORDINGS = 500;

type Item = { match: IndexRecording & { recordingId: string } };
type BagSummary = { payloadBytes: number; payloadFiles: number; evidence: AuditEvidence; signingKeyId: string };

/**
 * Builds a self-verifying evidence pack: a BagIt 1.0 bag holding each recording as retrieved and as
 * a plain WAV, per-recording metadata, the audit events about them with RFC 9162 inclusion proofs
 * against a signed checkpoint, the public key, CSV and Concordance load files and an offline
 * viewer; its tag manifest signed with the installation's Ed25519 key.
 *
 * The export is audited first (one 'export' event listing every item). The bag is written into a
 * temporary directory beside the destination and renamed into place only when complete and
 * signed, so an interrupted build leaves nothing under the destination's name.
 */
export class PackBuilder {
  constructor(private readonly deps: PackBuilderDeps) {}

  async build(request: Readonly<PackRequest>): Promise<PackResult> {
    const started = performance.now();
    const caseParsed = caseReferenceSchema.safeParse(request.caseReference);
    if (!caseParsed.success) throw new AppError('CASE_REFERENCE_REQUIRED', `A case reference is required for an evidence pack: ${caseParsed.error.issues[0]?.message}`);
    const caseReference = caseParsed.data;
    const zip = request.zip ?? false;
    await assertFreeDestination(request.outPath);
    const items = await this.resolve(request.selection, caseReference);
    const packId = randomUUID();
    const exportEvent = await (await this.deps.audit()).append({
      action: 'export',
      tradingId: uniqueOrNull(items.map((i) => i.match.tradingId)),
      caseReference,
      details: {
        packId,
        destination: basename(request.outPath),
        format: zip ? 'bagit-zip' : 'bagit',
        // [conversationId, recordingId] per item, compact so large packs fit one audit record.
        items: items.map((i) => [i.match.conversationId, i.match.recordingId]),
      },
    });
    this.progress(packId, 'audited', 0, items.length, `export recorded as audit event ${exportEvent.eventId}`);
    let summary: BagSummary;
    const temp = join(dirname(request.outPath), `.${basename(request.outPath)}.partial-${randomBytes(4).toString('hex')}`);
    try {
      summary = await this.writeBag(temp, { packId, caseReference, items, exportEvent, sourceOrganization: request.sourceOrganization });
      if (zip) {
        const zipTemp = `${temp}.zip`;
        try {
          await writeZip(zipTemp, temp, await listBagFiles(temp), new Date(this.deps.clock.now()));
          await moveIntoPlace(zipTemp, request.outPath);
        } finally {
          await rm(zipTemp, { force: true });
        }
        await rm(temp, { recursive: true, force: true });
      } else {
        await moveIntoPlace(temp, request.outPath);
      }
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      this.progress(packId, 'failed', 0, items.length, (error as Error).message);
      if (error instanceof AppError) throw error;
      throw new StorageError(`The evidence pack could not be written to ${request.outPath}: ${(error as Error).message}`, error);
    }
    this.progress(packId, 'finished', items.length, items.length, request.outPath);
    return {
      packId,
      path: request.outPath,
      zip,
      caseReference,
      exportEventId: exportEvent.eventId,
      recordings: items.length,
      payloadBytes: summary.payloadBytes,
      payloadFiles: summary.payloadFiles,
      checkpointTreeSize: summary.evidence.checkpoint.treeSize,
      wroteCheckpoint: summary.evidence.wroteCheckpoint,
      signingKeyId: summary.signingKeyId,
      ms: Math.round(performance.now() - started),
    };
  }

  private async resolve(selection: PackSelection, caseReference: string): Promise<Array<Item>> {
    const matches: Array<IndexRecording> = [];
    const warnings = new Set<string>();
    switch (selection.kind) {
      case 'tradingIds':
        for (const tradingId of selection.tradingIds) {
          const result = await this.deps.engine.search({ tradingId }, { caseReference });
          if (result.index.warning) warnings.add(result.index.warning);
          if (result.matches.length === 0) throw new AppError('NOT_FOUND', `No recordings found for trading ID ${tradingId}.`);
          for (const m of result.matches) {
            if (m.recordingId) matches.push((await this.deps.findRecording(m.recordingId))!);
          }
        }
        break;
      case 'conversations':
        for (const conversationId of selection.conversationIds) {
          const found = await this.deps.engine.conversationRecordings(conversationId);
          if (found.length === 0) throw new AppError('NOT_FOUND', `Conversation ${conversationId} has no recordings.`);
          matches.push(...found);
        }
        break;
      case 'recordings':
        for (const recordingId of selection.recordingIds) {
          const found = await this.deps.findRecording(recordingId);
          if (!found) throw new AppError('NOT_FOUND', `Recording ${recordingId} is not in the local index; search for it first.`);
          matches.push(found);
        }
        break;
      case 'case': {
        const ids = await (await this.deps.auditLog()).mirror.recordingsAccessedUnderCase(selection.caseReference);
        if (ids.length === 0) throw new AppError('NOT_FOUND', `No recording was accessed under case ${selection.caseReference}.`);
        for (const recordingId of ids) {
          const found = await this.deps.findRecording(recordingId);
          if (found) matches.push(found);
        }
        break;
      }
    }
    const unique = new Map<string, Item>();
    for (const match of matches) if (match?.recordingId) unique.set(match.recordingId, { match: assertPackableIds(match as Item['match']) });
    if (unique.size === 0) throw new AppError('NOT_FOUND', ['The selection holds no recordings.', ...warnings].join(' '));
    if (unique.size > MAX_PACK_RECORDINGS) {
      throw new ValidationError(`The selection holds ${unique.size} recordings; one pack takes at most ${MAX_PACK_RECORDINGS}. Split it into several packs.`);
    }
    return [...unique.values()].sort((a, b) => a.match.startMs - b.match.startMs || a.match.recordingId.localeCompare(b.match.recordingId));
  }

  private async writeBag(
    root: string,
    pack: { packId: string; caseReference: string; items: ReadonlyArray<Item>; exportEvent: AuditEvent; sourceOrganization: string | undefined },
  ): Promise<BagSummary> {
    const { packId, caseReference, items, exportEvent } = pack;
    const payload = new Map<string, Digests>();
    const put = async (path: string, content: string | Uint8Array) => {
      const target = await pathUnderRoot(root, path);
      await mkdir(dirname(target), { recursive: true });
      payload.set(path, await writeDigested(target, content));
    };
    await mkdir(join(root, 'data'), { recursive: true });
    const recordings: Array<PackRecording> = [];
    const started = performance.now();
    for (const [index, { match }] of items.entries()) {
      this.progress(packId, 'copying', index, items.length, match.recordingId);
      recordings.push(await this.copyAudio(root, match, exportEvent, payload));
    }
    const copied = performance.now();
    this.progress(packId, 'proving', items.length, items.length, 'collecting audit events and inclusion proofs');
    const signingKey = await this.deps.signingKey();
    const evidence = await collectAuditEvidence(await this.deps.auditLog(), {
      exportSeq: exportEvent.seq,
      subjects: {
        recordingIds: [...new Set(items.map((i) => i.match.recordingId))],
        conversationIds: [...new Set(items.map((i) => i.match.conversationId))],
        searchTradingIds: [...new Set(items.map((i) => i.match.tradingId).filter((t): t is string => t !== null))],
      },
    });
    for (const proven of evidence.events) await put(`data/audit/events/${String(proven.seq).padStart(12, '0')}.json`, proven.stored);
    await put('data/audit/checkpoint.json', evidence.checkpointBytes);
    const keyPaths = new Map<string, string>();
    keyPaths.set(signingKey.keyId, `data/keys/${signingKey.keyId}.pem`);
    await put(keyPaths.get(signingKey.keyId)!, signingKey.publicKeyPem);
    if (!keyPaths.has(evidence.checkpoint.keyId)) {
      keyPaths.set(evidence.checkpoint.keyId, `data/keys/${evidence.checkpoint.keyId}.pem`);
      await put(keyPaths.get(evidence.checkpoint.keyId)!, evidence.checkpointPublicKeyPem);
    }
    const proofs: PackProofs = {
      schema: 'custody.pack.proofs.v1',
      logId: evidence.logId,
      hashAlgorithm: 'sha256',
      tree: 'RFC 9162',
      checkpoint: { path: 'data/audit/checkpoint.json', key: evidence.checkpointKey, publicKey: keyPaths.get(evidence.checkpoint.keyId)!, value: evidence.checkpoint },
      events: evidence.events.map((e) => ({
        seq: e.seq,
        eventId: e.event.eventId,
        action: e.event.action,
        path: `data/audit/events/${String(e.seq).padStart(12, '0')}.json`,
        leafHash: e.leafHash,
        proof: e.proof,
      })),
    };
    await put('data/audit/proofs.json', `${JSON.stringify(proofs, null, 2)}\n`);
    for (const recording of recordings) {
      recording.auditSeqs = evidence.events
        .filter((e) => e.event.recordingId === recording.recordingId || e.event.eventId === exportEvent.eventId || (e.event.recordingId === null && e.event.conversationId === recording.conversationId))
        .map((e) => e.seq);
      await put(`data/metadata/${recording.recordingId}.json`, `${JSON.stringify(recording, null, 2)}\n`);
    }
    const builtAt = new Date(this.deps.clock.now()).toISOString();
    const organization = pack.sourceOrganization?.trim() || `Custody installation on ${this.deps.workstation.hostname}`;
    const document: PackDocument = packDocumentSchema.parse({
      schema: 'custody.pack.v1',
      packId,
      caseReference,
      sourceOrganization: organization,
      builtAt,
      builtBy: { operator: this.deps.operator.name, osAccount: this.deps.operator.osAccount, workstation: this.deps.workstation.hostname },
      custodyVersion: CUSTODY_VERSION,
      exportEventId: exportEvent.eventId,
      exportEventSeq: exportEvent.seq,
      logId: evidence.logId,
      signingKeyId: signingKey.keyId,
      recordings: recordings.map((r) => ({ recordingId: r.recordingId, conversationId: r.conversationId, metadata: `data/metadata/${r.recordingId}.json` })),
    });
    await put('data/pack.json', `${JSON.stringify(document, null, 2)}\n`);
    const rows = recordings.map((r, i) => loadFileRow(r, i, document, exportEvent));
    await put('data/index.csv', formatCsv(loadFileColumns, rows));
    await put('data/loadfile.dat', formatDat(loadFileColumns, rows));

    // Tag files: everything above is payload and now fixed.
    const payloadBytes = [...payload.values()].reduce((n, d) => n + d.bytes, 0);
    const tags = new Map<string, string>();
    tags.set('bagit.txt', BAGIT_DECLARATION);
    tags.set(
      'bag-info.txt',
      formatBagInfo([
        ['Source-Organization', organization],
        ['Bagging-Date', builtAt.slice(0, 10)],
        ['External-Identifier', caseReference],
        ['External-Description', `Evidence pack of ${recordings.length} recording(s) for case ${caseReference}`],
        ['Payload-Oxum', payloadOxum(payloadBytes, payload.size)],
        ['Bag-Software-Agent', `Custody ${CUSTODY_VERSION}`],
        ['Custody-Version', CUSTODY_VERSION],
        ['Custody-Pack-Id', packId],
        ['Custody-Export-Event-Id', exportEvent.eventId],
        ['Custody-Signing-Key-Id', signingKey.keyId],
        ['Custody-Signing-Time', builtAt],
      ]),
    );
    for (const algorithm of ['sha256', 'sha512'] as Array<ManifestAlgorithm>) {
      tags.set(`manifest-${algorithm}.txt`, formatManifest([...payload].map(([path, d]) => ({ path, digest: d[algorithm] }))));
    }
    tags.set('index.html', renderOfflineViewer({ document, recordings, proofs, events: evidence.events.map((e) => ({ seq: e.seq, text: e.stored.toString('utf8') })) }));
    for (const [path, text] of tags) await writeDigested(join(root, path), text);
    const tagManifest = formatManifest([...tags].map(([path, text]) => ({ path, digest: digestOf(text).sha256 })));
    await writeDigested(join(root, 'tagmanifest-sha256.txt'), tagManifest);
    const signatureBase64 = signingKey.sign(Buffer.from(tagManifest, 'utf8'));
    const signature: PackSignature = {
      schema: 'custody.pack.signature.v1',
      algorithm: 'Ed25519',
      signedFile: 'tagmanifest-sha256.txt',
      signatureFile: 'signature/tagmanifest-sha256.txt.sig',
      signature: signatureBase64,
      keyId: signingKey.keyId,
      publicKey: `data/keys/${signingKey.keyId}.pem`,
      signedAt: builtAt,
    };
    await mkdir(join(root, 'signature'));
    await writeDigested(join(root, 'signature', 'tagmanifest-sha256.txt.sig'), Buffer.from(signatureBase64, 'base64'));
    await writeDigested(join(root, 'signature', 'signature.json'), `${JSON.stringify(signature, null, 2)}\n`);
    const flushStarted = performance.now();
    await flushTree(root);
    const ms = (from: number, to: number) => Math.round(to - from);
    this.deps.logger.info('evidence pack written', {
      packId,
      recordings: recordings.length,
      payloadBytes,
      exportEventId: exportEvent.eventId,
      copyMs: ms(started, copied),
      proofsMs: ms(copied, flushStarted),
      flushMs: ms(flushStarted, performance.now()),
    });
    return { payloadBytes, payloadFiles: payload.size, evidence, signingKeyId: signingKey.keyId };
  }

  /**
   * Copies one recording, hashing it once on the way. When the cached bytes no longer match the hash
   * recorded at retrieval, the engine's checked path replaces them (fetching again) and the copy is redone.
   */
  private async copyAudio(root: string, match: Item['match'], exportEvent: AuditEvent, payload: Map<string, Digests>): Promise<PackRecording> {
    const dir = `data/recordings/${match.conversationId}`;
    await mkdir(await pathUnderRoot(root, dir), { recursive: true });
    let media: CachedMedia | null = null;
    let copies: AudioCopies | null = null;
    let originalPath = '';
    const wavPath = packWavPath(match.conversationId, match.recordingId);
    const wavTarget = await pathUnderRoot(root, wavPath);
    for (const hashCheckedByCaller of [true, false]) {
      media = await this.deps.engine.mediaForAuditedExport(match.recordingId, exportEvent, { hashCheckedByCaller });
      originalPath = `${dir}/${match.recordingId}.original.${media.fileName.split('.').pop() ?? 'bin'}`;
      const originalTarget = await pathUnderRoot(root, originalPath);
      await rm(originalTarget, { force: true });
      await rm(wavTarget, { force: true });
      copies = await copyRecording(media.path, originalTarget, wavTarget);
      if (copies.original.sha256 === media.sha256 && copies.original.bytes === media.bytes) break;
      this.deps.logger.error('cached recording does not match its retrieval SHA-256; retrieving it again for the pack', { recordingId: match.recordingId });
      copies = null;
    }
    if (!media || !copies) {
      throw new StorageError(`Recording ${match.recordingId} does not match the SHA-256 recorded when it was retrieved, even after retrieving it again; it was not packed.`);
    }
    payload.set(originalPath, copies.original);
    payload.set(wavPath, copies.wav);
    const startMs = match.recordingStartMs ?? match.startMs;
    const endMs = match.recordingEndMs ?? match.endMs;
    return {
      schema: 'custody.pack.recording.v1',
      conversationId: match.conversationId,
      recordingId: match.recordingId,
      tradingId: match.tradingId,
      clientAccount: match.clientAccount,
      participants: match.participants.map((p) => ({ ...p })),
      queue: match.queueName,
      agent: match.agentName,
      direction: match.direction,
      startTime: new Date(startMs).toISOString(),
      endTime: endMs === null ? null : new Date(endMs).toISOString(),
      durationMs: endMs === null ? null : Math.max(0, endMs - startMs),
      source: media.source === 'archive' ? 'archive' : 'genesys',
      retrieval: { sha256: media.sha256, bytes: media.bytes, contentType: media.contentType, retrievedAt: new Date(media.fetchedMs).toISOString() },
      original: { path: originalPath, contentType: media.contentType, ...pick(copies.original) },
      wav: { path: wavPath, ...pick(copies.wav), ...copies.info, bitsPerSample: copies.info.format === 'pcm' ? copies.info.bitsPerSample : 16, identicalToOriginal: copies.wavIsIdentical },
      auditSeqs: [],
    };
  }

  private progress(packId: string, stage: PackBuildStage, done: number, total: number, message: string): void {
    this.deps.events.publish({ kind: 'pack.progress', progress: { packId, stage, done, total, message } });
  }
}

const pick = (d: Digests) => ({ bytes: d.bytes, sha256: d.sha256, sha512: d.sha512 });

/** IDs become file names in the pack: refused before the export is audited, not halfway through the bag. */
function assertPackableIds(match: Item['match']): Item['match'] {
  if (!recordingIdSchema.safeParse(match.recordingId).success || !conversationIdSchema.safeParse(match.conversationId).success) {
    throw new ValidationError(`Refused to pack recording "${escapeUnsafeText(match.recordingId)}" of conversation "${escapeUnsafeText(match.conversationId)}": not a valid Genesys ID.`);
  }
  return match;
}

function uniqueOrNull(values: ReadonlyArray<string | null>): string | null {
  const set = new Set(values);
  return set.size === 1 ? [...set][0]! : null;
}

/** Columns of the CSV index and the DAT load file (EDRM-style names; paths relative to data/). */
export const loadFileColumns = [
  'CONTROLNO',
  'CONVERSATIONID',
  'RECORDINGID',
  'TRADE_IDS',
  'CLIENT_ACCOUNT',
  'CUSTODIAN',
  'PARTICIPANTS',
  'DIRECTION',
  'QUEUE',
  'START_UTC',
  'END_UTC',
  'DURATION_S',
  'MATTER_ID',
  'SOURCE',
  'NATIVEPATH',
  'PLAYBACKPATH',
  'METADATAPATH',
  'CODEC',
  'CHANNELS',
  'SHA256',
  'SHA512',
  'RETRIEVAL_SHA256',
  'EXPORTED_BY',
  'EXPORT_EVENT_ID',
  'EXPORT_EVENT_LEAF',
] as const;

function loadFileRow(r: PackRecording, index: number, pack: PackDocument, exportEvent: AuditEvent): LoadFileRow {
  const relative = (path: string) => path.replace(/^data\//, '');
  return {
    CONTROLNO: `${pack.caseReference.replace(/[^A-Za-z0-9]+/g, '-')}-${String(index + 1).padStart(6, '0')}`,
    CONVERSATIONID: r.conversationId,
    RECORDINGID: r.recordingId,
    TRADE_IDS: r.tradingId ?? '',
    CLIENT_ACCOUNT: r.clientAccount ?? '',
    CUSTODIAN: r.agent ?? '',
    PARTICIPANTS: r.participants.map((p) => `${p.purpose}: ${p.name ?? p.userId ?? 'unknown'}`).join('; '),
    DIRECTION: r.direction ?? '',
    QUEUE: r.queue ?? '',
    START_UTC: r.startTime,
    END_UTC: r.endTime ?? '',
    DURATION_S: r.durationMs === null ? '' : (r.durationMs / 1000).toFixed(3),
    MATTER_ID: pack.caseReference,
    SOURCE: r.source,
    NATIVEPATH: relative(r.original.path),
    PLAYBACKPATH: relative(r.wav.path),
    METADATAPATH: relative(`data/metadata/${r.recordingId}.json`),
    CODEC: r.retrieval.contentType,
    CHANNELS: String(r.wav.channels),
    SHA256: r.original.sha256,
    SHA512: r.original.sha512,
    RETRIEVAL_SHA256: r.retrieval.sha256,
    EXPORTED_BY: `${pack.builtBy.operator} (${pack.builtBy.osAccount}@${pack.builtBy.workstation})`,
    EXPORT_EVENT_ID: exportEvent.eventId,
    EXPORT_EVENT_LEAF: String(exportEvent.seq),
  };
}

async function assertFreeDestination(outPath: string): Promise<void> {
  try {
    await stat(outPath);
    throw new ValidationError(`${outPath} already exists; choose a new path for the evidence pack.`);
  } catch (error) {
    if (error instanceof ValidationError) throw error;
  }
  try {
    if (!(await stat(dirname(outPath))).isDirectory()) throw new Error('not a directory');
  } catch (error) {
    throw new ValidationError(`The folder ${dirname(outPath)} does not exist.`, { cause: String(error) });
  }
}

/** Every file of a bag, relative, bag declaration first (BagIt readers and `unzip -l` show it on top). */
export async function listBagFiles(root: string): Promise<Array<string>> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1).split('\\').join('/'))
    .sort();
  return ['bagit.txt', ...files.filter((f) => f !== 'bagit.txt')];
}

/**
 * Flushes every file of the bag, then its directories (deepest first), before the rename: files are
 * written without per-file flushes so that disk writes overlap hashing; the fsyncs run a few at a
 * time so the filesystem can group its journal commits.
 */
async function flushTree(root: string): Promise<void> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  const dirs = [...entries.filter((e) => e.isDirectory()).map((e) => join(e.parentPath, e.name)), root].sort((a, b) => b.length - a.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) await syncPath(files[next++]!);
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  for (const dir of dirs) await syncPath(dir);
}

