import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, opendir, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { caseReferenceSchema, conversationIdSchema, recordingIdSchema, type AuditEvent } from '../../../shared/domain';
import type { Annotation } from '../../../shared/annotations';
import type { TranscriptView } from '../../../shared/transcripts';
import type { ImportedTrade, MatchWindow, Timeline } from '../../../shared/trades';
import type { Logger } from '../../../shared/logger';
import {
  describeBuiltBy,
  EXPORT_MANIFEST_PATH,
  packDocumentSchema,
  packExcerptPath,
  PACK_TIMELINE_PATH,
  PACK_TRADE_PATH,
  packTranscriptPath,
  packWavPath,
  type ExportManifestItem,
  type PackAnnotation,
  type PackDocument,
  type PackProofs,
  type PackRecording,
  type PackSignature,
} from '../../../shared/pack-format';
import { escapeUnsafeText } from '../../../shared/unsafe-text';
import type { IndexRecording } from '../../db/repositories/index-repository';
import type { CachedMedia } from '../cache/media-cache';
import { pathUnderRoot } from '../contained-path';
import type { AuditActor, AuditActors } from '../audit/audit-actor';
import type { AuditWriter } from '../audit/audit-writer';
import type { AuditModule } from '../audit/audit-module';
import type { CustodyEngine } from '../custody-engine';
import { AppError, StorageError, ValidationError } from '../errors';
import type { EventHub, PackBuildStage } from '../events';
import type { Clock } from '../ports';
import type { SigningKey } from '../signing/signing-key';
import { moveIntoPlace, partialPathFor, removeDeadPartials, syncPath } from '../storage/durable-file';
import { CUSTODY_VERSION } from '../version';
import { collectAuditEvidence, type AuditEvidence } from './audit-evidence';
import { copyRecording, WAV_COPY_DATA_OFFSET, writeExcerpt, type AudioCopies } from './audio-copy';
import { BAGIT_DECLARATION, encodeManifestPath, formatBagInfo, formatManifest, payloadOxum } from './bagit';
import { exportManifestKey, lockExportManifest, writeExportManifest } from './export-manifest';
import { DigestingWriter, writeDigested, type Digests } from './file-digests';
import { csvLine } from '../csv-cells';
import { csvRow, datHeader, datRow, type LoadFileRow } from './load-files';
import { OfflineViewerWriter } from './offline-viewer';
import { writeZip } from './zip';

export type PackSelection =
  | { kind: 'tradingIds'; tradingIds: ReadonlyArray<string> }
  | { kind: 'conversations'; conversationIds: ReadonlyArray<string> }
  | { kind: 'recordings'; recordingIds: ReadonlyArray<string> }
  /** Every recording accessed (played, downloaded, previewed or exported) under this case reference. */
  | { kind: 'case'; caseReference: string }
  /** A trade's reconstruction: the recordings of its timeline's calls (none is a pack too: the gap is the evidence). */
  | { kind: 'trade'; trade: ImportedTrade; timeline: Timeline; window: MatchWindow };

/** What a reconstruction adds to a pack: the trade as imported and its timeline. */
type Reconstruction = { trade: ImportedTrade; timeline: Timeline; window: MatchWindow };

export type PackRequest = {
  selection: PackSelection;
  caseReference: string;
  /** The pack's final path: a directory, or a .zip file with `zip`. Must not exist yet. */
  outPath: string;
  zip?: boolean;
  sourceOrganization?: string;
  /** Annotated ranges packed as excerpt WAVs too: every annotation of the packed recordings, or the ones named. */
  excerpts?: 'all' | ReadonlyArray<string>;
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
  /** The officers' current annotations of a recording (packed in its metadata); none when absent. */
  annotationsOf?: (recordingId: string) => Promise<ReadonlyArray<Annotation>>;
  /** SHA-256 of a recording's media when it is already cached (the export manifest names it), else null. */
  knownMediaSha256?: (recordingId: string) => Promise<string | null>;
  audit: () => Promise<AuditWriter>;
  /** Who exports: the officer signed in when the build starts, allowed to export. */
  actors: Pick<AuditActors, 'officer'>;
  /** The audit log's mirror (events, proofs) and checkpointer (signed checkpoints). */
  auditLog: () => Promise<Pick<AuditModule, 'logId' | 'mirror' | 'checkpointer' | 's3' | 'bucket' | 'retention'>>;
  signingKey: () => Promise<SigningKey>;
  clock: Clock;
  logger: Logger;
  events: EventHub;
  /** The transcript the index holds for a recording, carried in the pack when there is one. */
  transcriptOf?: (recordingId: string) => Promise<TranscriptView | null>;
};

/** An export of up to this many items also lists them in its event, readable without the manifest. */
export const INLINE_EXPORT_ITEMS = 100;

/** What the builder keeps of each selected recording until it is copied: IDs only, so memory stays flat. */
type Item = { recordingId: string; conversationId: string; tradingId: string | null; startMs: number };
type BagSummary = { payloadBytes: number; payloadFiles: number; evidence: AuditEvidence; signingKeyId: string };

/** The copy step's record of each recording (JSON lines beside the bag), read back once the audit trail is known. */
const SPOOL_FILE = '.recordings.jsonl';

/**
 * Builds a self-verifying evidence pack: a BagIt 1.0 bag holding each recording as retrieved and as
 * a plain WAV, per-recording metadata, the audit events about them with RFC 9162 inclusion proofs
 * against a signed checkpoint, the public key, CSV and Concordance load files and an offline
 * viewer; its tag manifest signed with the installation's Ed25519 key.
 *
 * The export is audited first: the item manifest is locked in the audit bucket, then one 'export'
 * event names it by key, size and SHA-256; if either write fails, nothing is exported. The bag is
 * written into a partial directory beside the destination (named for this process, so the next
 * build removes it if this one is killed) and renamed into place only when complete and signed.
 * Every file is streamed, so memory does not grow with the number of recordings.
 */
export class PackBuilder {
  constructor(private readonly deps: PackBuilderDeps) {}

  async build(request: Readonly<PackRequest>): Promise<PackResult> {
    const started = performance.now();
    // Refused before anything is looked up, removed or written: nobody signed in, or no permission to export.
    const actor = await this.deps.actors.officer('export');
    const caseParsed = caseReferenceSchema.safeParse(request.caseReference);
    if (!caseParsed.success) throw new AppError('CASE_REFERENCE_REQUIRED', `A case reference is required for an evidence pack: ${caseParsed.error.issues[0]?.message}`);
    const caseReference = caseParsed.data;
    const zip = request.zip ?? false;
    await assertFreeDestination(request.outPath);
    await removeDeadPartials(dirname(request.outPath));
    const items = await this.resolve(request.selection, caseReference);
    const excerpts = await this.excerptsOf(items, request.excerpts);
    const reconstruction = request.selection.kind === 'trade' ? request.selection : null;
    const packId = randomUUID();
    const temp = partialPathFor(request.outPath);
    let exported: { event: AuditEvent; manifest: Digests };
    try {
      exported = await this.auditExport(temp, actor, { packId, caseReference, items, excerpts, reconstruction, destination: basename(request.outPath), format: zip ? 'bagit-zip' : 'bagit' });
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
    const exportEvent = exported.event;
    this.progress(packId, 'audited', 0, items.length, `export recorded as audit event ${exportEvent.eventId}`);
    let summary: BagSummary;
    try {
      summary = await this.writeBag(temp, { packId, caseReference, items, excerpts, reconstruction, exportEvent, exportManifest: exported.manifest, sourceOrganization: request.sourceOrganization });
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
    const unique = new Map<string, Item>();
    const add = (match: IndexRecording | null) => {
      if (match?.recordingId) unique.set(match.recordingId, packableItem(match as IndexRecording & { recordingId: string }));
    };
    const warnings = new Set<string>();
    switch (selection.kind) {
      case 'tradingIds':
        for (const tradingId of selection.tradingIds) {
          const result = await this.deps.engine.search({ tradingId }, { caseReference });
          if (result.index.warning) warnings.add(result.index.warning);
          if (result.matches.length === 0) throw new AppError('NOT_FOUND', `No recordings found for trading ID ${tradingId}.`);
          for (const m of result.matches) {
            if (m.recordingId) add(await this.deps.findRecording(m.recordingId));
          }
        }
        break;
      case 'conversations':
        for (const conversationId of selection.conversationIds) {
          const found = await this.deps.engine.conversationRecordings(conversationId);
          if (found.length === 0) throw new AppError('NOT_FOUND', `Conversation ${conversationId} has no recordings.`);
          found.forEach(add);
        }
        break;
      case 'recordings':
        for (const recordingId of selection.recordingIds) {
          const found = await this.deps.findRecording(recordingId);
          if (!found) throw new AppError('NOT_FOUND', `Recording ${recordingId} is not in the local index; search for it first.`);
          add(found);
        }
        break;
      case 'case': {
        const ids = await (await this.deps.auditLog()).mirror.recordingsAccessedUnderCase(selection.caseReference);
        if (ids.length === 0) throw new AppError('NOT_FOUND', `No recording was accessed under case ${selection.caseReference}.`);
        for (const recordingId of ids) add(await this.deps.findRecording(recordingId));
        break;
      }
      case 'trade':
        for (const call of selection.timeline.calls) {
          for (const { recordingId } of call.recordings) {
            const found = await this.deps.findRecording(recordingId);
            if (!found) throw new AppError('NOT_FOUND', `Recording ${recordingId} of conversation ${call.conversationId} left the local index; reconstruct the trade again.`);
            add(found);
          }
        }
        return [...unique.values()].sort((a, b) => a.startMs - b.startMs || a.recordingId.localeCompare(b.recordingId));
    }
    if (unique.size === 0) throw new AppError('NOT_FOUND', ['The selection holds no recordings.', ...warnings].join(' '));
    return [...unique.values()].sort((a, b) => a.startMs - b.startMs || a.recordingId.localeCompare(b.recordingId));
  }

  /**
   * Writes the item manifest into the bag, locks the same bytes in the audit bucket, then appends the
   * export event naming them. Resolves only when both are acknowledged; the caller exports nothing otherwise.
   */
  private async auditExport(
    root: string,
    actor: AuditActor,
    pack: { packId: string; caseReference: string; items: ReadonlyArray<Item>; excerpts: ReadonlySet<string>; reconstruction: Reconstruction | null; destination: string; format: string },
  ): Promise<{ event: AuditEvent; manifest: Digests }> {
    const { packId, caseReference, items, reconstruction } = pack;
    const store = await this.deps.auditLog();
    const path = join(root, EXPORT_MANIFEST_PATH);
    await mkdir(dirname(path), { recursive: true });
    const manifest = await writeExportManifest(
      path,
      { schema: 'custody.export-manifest.v1', packId, logId: store.logId, caseReference, items: items.length },
      this.manifestItems(items, caseReference),
    );
    const key = exportManifestKey(store.logId, packId);
    await lockExportManifest(store, key, manifest, this.deps.clock.now());
    const event = await (await this.deps.audit()).append({
      action: 'export',
      tradingId: reconstruction ? reconstruction.trade.tradeId : uniqueOrNull(items.map((i) => i.tradingId)),
      caseReference,
      details: {
        ...(reconstruction ? reconstructionDetails(reconstruction, items.length) : {}),
        packId,
        destination: pack.destination,
        format: pack.format,
        manifest: { key, sha256: manifest.sha256, bytes: manifest.bytes, items: items.length },
        // [conversationId, recordingId] per item, for readers of small exports; the manifest is the record.
        ...(items.length <= INLINE_EXPORT_ITEMS ? { items: items.map((i) => [i.conversationId, i.recordingId]) } : {}),
        // The annotated ranges also exported as excerpt WAVs (their recordings are exported whole as well).
        ...(pack.excerpts.size > 0 ? { excerpts: [...pack.excerpts] } : {}),
      },
    }, actor);
    return { event, manifest };
  }

  private async *manifestItems(items: ReadonlyArray<Item>, caseReference: string): AsyncIterable<ExportManifestItem> {
    for (const item of items) {
      yield {
        conversationId: item.conversationId,
        recordingId: item.recordingId,
        tradingIds: item.tradingId === null ? [] : [item.tradingId],
        caseReference,
        sha256: (await this.deps.knownMediaSha256?.(item.recordingId)) ?? null,
      };
    }
  }

  private async writeBag(
    root: string,
    pack: BagRequest,
  ): Promise<BagSummary> {
    const payload = await PayloadLedger.open(root);
    try {
      return await this.writeBagInto(root, pack, payload);
    } catch (error) {
      await payload.abandon();
      throw error;
    }
  }

  private async writeBagInto(
    root: string,
    pack: BagRequest,
    payload: PayloadLedger,
  ): Promise<BagSummary> {
    const { packId, caseReference, items, exportEvent, reconstruction } = pack;
    await payload.record(EXPORT_MANIFEST_PATH, pack.exportManifest);
    const put = async (path: string, content: string | Uint8Array): Promise<Digests> => {
      const target = await pathUnderRoot(root, path);
      await mkdir(dirname(target), { recursive: true });
      const digests = await writeDigested(target, content);
      await payload.record(path, digests);
      return digests;
    };
    if (reconstruction) {
      await put(PACK_TRADE_PATH, `${JSON.stringify(reconstruction.trade, null, 2)}\n`);
      await put(PACK_TIMELINE_PATH, `${JSON.stringify(reconstruction.timeline, null, 2)}\n`);
    }
    const tradeMarkOf = tradeMarks(reconstruction);
    const started = performance.now();
    const spoolPath = join(root, SPOOL_FILE);
    const spool = await DigestingWriter.create(spoolPath);
    try {
      for (const [index, item] of items.entries()) {
        this.progress(packId, 'copying', index, items.length, item.recordingId);
        const match = await this.deps.findRecording(item.recordingId);
        if (!match) throw new AppError('NOT_FOUND', `Recording ${item.recordingId} left the local index while the pack was built.`);
        const copied = await this.copyAudio(root, packableMatch(match), exportEvent, payload);
        const recording = await this.addAnnotations(root, tradeMarkOf(copied), pack.excerpts, payload);
        const transcript = await this.deps.transcriptOf?.(item.recordingId);
        if (transcript) {
          const path = packTranscriptPath(item.recordingId);
          recording.transcript = { path, ...(await put(path, `${JSON.stringify(transcript, null, 2)}\n`)) };
        }
        await spool.write(`${JSON.stringify(recording)}\n`);
      }
    } catch (error) {
      await spool.abandon();
      throw error;
    }
    await spool.close();
    const copied = performance.now();
    this.progress(packId, 'proving', items.length, items.length, 'collecting audit events and inclusion proofs');
    const signingKey = await this.deps.signingKey();
    const evidence = await collectAuditEvidence(await this.deps.auditLog(), {
      exportSeq: exportEvent.seq,
      subjects: {
        recordingIds: [...new Set(items.map((i) => i.recordingId))],
        conversationIds: [...new Set(items.map((i) => i.conversationId))],
        searchTradingIds: [...new Set([...items.map((i) => i.tradingId), reconstruction?.trade.tradeId ?? null].filter((t): t is string => t !== null))],
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
    const auditSeqsOf = auditSeqIndex(evidence, exportEvent);

    const builtAt = new Date(this.deps.clock.now()).toISOString();
    // Who built it is who the export event names: the officer signed in when it was recorded.
    const { operator, workstation } = exportEvent;
    const organization = pack.sourceOrganization?.trim() || `Custody installation on ${workstation.hostname}`;
    const document = packDocumentSchema.omit({ recordings: true }).parse({
      schema: 'custody.pack.v1',
      packId,
      caseReference,
      sourceOrganization: organization,
      builtAt,
      builtBy: {
        operator: operator.name,
        ...(operator.genesysUserId ? { genesysUserId: operator.genesysUserId, email: operator.email ?? '' } : {}),
        osAccount: operator.osAccount,
        workstation: workstation.hostname,
      },
      custodyVersion: CUSTODY_VERSION,
      exportEventId: exportEvent.eventId,
      exportEventSeq: exportEvent.seq,
      logId: evidence.logId,
      signingKeyId: signingKey.keyId,
      ...(reconstruction ? { trade: { tradeId: reconstruction.trade.tradeId, record: PACK_TRADE_PATH, timeline: PACK_TIMELINE_PATH } } : {}),
    });
    // One pass over the copied recordings writes their metadata, pack.json, both load files and the viewer.
    const packJson = await DigestingWriter.create(join(root, 'data/pack.json'));
    const csv = await DigestingWriter.create(join(root, 'data/index.csv'));
    const dat = await DigestingWriter.create(join(root, 'data/loadfile.dat'));
    const html = await DigestingWriter.create(join(root, 'index.html'));
    const viewer = new OfflineViewerWriter((text) => html.write(text));
    try {
      // pack.json as JSON.stringify(document, null, 2) would write it, its recordings one a line.
      await packJson.write(`${JSON.stringify(document, null, 2).slice(0, -2)},\n  "recordings": [\n`);
      await csv.write(csvLine(loadFileColumns));
      await dat.write(datHeader(loadFileColumns));
      await viewer.begin(document, reconstruction);
      let index = 0;
      for await (const line of createInterface({ input: createReadStream(spoolPath), crlfDelay: Infinity })) {
        const recording = JSON.parse(line) as PackRecording;
        recording.auditSeqs = auditSeqsOf(recording);
        const metadata = `data/metadata/${recording.recordingId}.json`;
        await put(metadata, `${JSON.stringify(recording, null, 2)}\n`);
        await packJson.write(`${index === 0 ? '' : ',\n'}    ${JSON.stringify({ recordingId: recording.recordingId, conversationId: recording.conversationId, metadata })}`);
        const row = loadFileRow(recording, index, document, exportEvent);
        await csv.write(csvRow(loadFileColumns, row));
        await dat.write(datRow(loadFileColumns, row));
        await viewer.recording(recording);
        index += 1;
      }
      await packJson.write('\n  ]\n}\n');
      await viewer.end(proofs, evidence.events.map((e) => ({ seq: e.seq, text: e.stored.toString('utf8') })));
    } catch (error) {
      await Promise.all([packJson, csv, dat, html].map((w) => w.abandon()));
      throw error;
    }
    await payload.record('data/pack.json', await packJson.close());
    await payload.record('data/index.csv', await csv.close());
    await payload.record('data/loadfile.dat', await dat.close());
    const viewerDigest = await html.close();
    await rm(spoolPath, { force: true });

    // Tag files: everything above is payload and now fixed.
    const { payloadBytes, payloadFiles, manifests } = await payload.close();
    const tags = new Map<string, string>();
    tags.set('bagit.txt', (await writeDigested(join(root, 'bagit.txt'), BAGIT_DECLARATION)).sha256);
    const bagInfo = formatBagInfo([
      ['Source-Organization', organization],
      ['Bagging-Date', builtAt.slice(0, 10)],
      ['External-Identifier', caseReference],
      [
        'External-Description',
        reconstruction
          ? `Reconstruction of trade ${reconstruction.trade.tradeId}: ${items.length} recording(s) for case ${caseReference}`
          : `Evidence pack of ${items.length} recording(s) for case ${caseReference}`,
      ],
      ['Payload-Oxum', payloadOxum(payloadBytes, payloadFiles)],
      ['Bag-Software-Agent', `Custody ${CUSTODY_VERSION}`],
      ['Custody-Version', CUSTODY_VERSION],
      ['Custody-Pack-Id', packId],
      ['Custody-Export-Event-Id', exportEvent.eventId],
      ['Custody-Signing-Key-Id', signingKey.keyId],
      ['Custody-Signing-Time', builtAt],
    ]);
    tags.set('bag-info.txt', (await writeDigested(join(root, 'bag-info.txt'), bagInfo)).sha256);
    tags.set('manifest-sha256.txt', manifests.sha256);
    tags.set('manifest-sha512.txt', manifests.sha512);
    tags.set('index.html', viewerDigest.sha256);
    const tagManifest = formatManifest([...tags].map(([path, digest]) => ({ path, digest })));
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
      recordings: items.length,
      payloadBytes,
      exportEventId: exportEvent.eventId,
      copyMs: ms(started, copied),
      proofsMs: ms(copied, flushStarted),
      flushMs: ms(flushStarted, performance.now()),
    });
    return { payloadBytes, payloadFiles, evidence, signingKeyId: signingKey.keyId };
  }

  /**
   * Copies one recording, hashing it once on the way. When the cached bytes no longer match the hash
   * recorded at retrieval, the engine's checked path replaces them (fetching again) and the copy is redone.
   */
  private async copyAudio(root: string, match: IndexRecording & { recordingId: string }, exportEvent: AuditEvent, payload: PayloadLedger): Promise<PackRecording> {
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
      copies = await copyRecording(media.content, originalTarget, wavTarget);
      if (copies.original.sha256 === media.sha256 && copies.original.bytes === media.bytes) break;
      this.deps.logger.error('cached recording does not match its retrieval SHA-256; retrieving it again for the pack', { recordingId: match.recordingId });
      copies = null;
    }
    if (!media || !copies) {
      throw new StorageError(`Recording ${match.recordingId} does not match the SHA-256 recorded when it was retrieved, even after retrieving it again; it was not packed.`);
    }
    await payload.record(originalPath, copies.original);
    await payload.record(wavPath, copies.wav);
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

  /** The annotation ids whose ranges go into the pack as excerpts; a named one must be on a packed recording. */
  private async excerptsOf(items: ReadonlyArray<Item>, asked: PackRequest['excerpts']): Promise<ReadonlySet<string>> {
    if (asked === undefined || (asked !== 'all' && asked.length === 0)) return new Set();
    const onPacked = new Set<string>();
    for (const item of items) for (const a of (await this.deps.annotationsOf?.(item.recordingId)) ?? []) onPacked.add(a.annotationId);
    if (asked === 'all') return onPacked;
    const missing = asked.filter((id) => !onPacked.has(id));
    if (missing.length > 0) throw new AppError('NOT_FOUND', `Annotation ${missing.map((id) => escapeUnsafeText(id)).join(', ')} is not a current annotation of a recording in this pack.`);
    return new Set(asked);
  }

  /** The recording's annotations into its metadata, and each one asked for as an excerpt WAV sliced from the WAV copy. */
  private async addAnnotations(root: string, recording: PackRecording, excerpts: ReadonlySet<string>, payload: PayloadLedger): Promise<PackRecording> {
    const annotations = (await this.deps.annotationsOf?.(recording.recordingId)) ?? [];
    if (annotations.length === 0) return recording;
    const dataBytes = recording.wav.bytes - WAV_COPY_DATA_OFFSET;
    const packed: Array<PackAnnotation> = [];
    for (const annotation of annotations) {
      if (!excerpts.has(annotation.annotationId)) {
        packed.push({ ...annotation });
        continue;
      }
      const path = packExcerptPath(recording.recordingId, annotation.annotationId);
      const target = await pathUnderRoot(root, path);
      await mkdir(dirname(target), { recursive: true });
      const range = { fromMs: annotation.fromMs, toMs: annotation.toMs };
      const written = await writeExcerpt(await pathUnderRoot(root, recording.wav.path), recording.wav, dataBytes, range, target);
      await payload.record(path, written.digests);
      packed.push({
        ...annotation,
        excerpt: { path, ...pick(written.digests), ...range, of: recording.wav.path, dataOffset: WAV_COPY_DATA_OFFSET, startByte: written.startByte, endByte: written.endByte },
      });
    }
    return { ...recording, annotations: packed };
  }

  private progress(packId: string, stage: PackBuildStage, done: number, total: number, message: string): void {
    this.deps.events.publish({ kind: 'pack.progress', progress: { packId, stage, done, total, message } });
  }
}

const pick = (d: Digests) => ({ bytes: d.bytes, sha256: d.sha256, sha512: d.sha512 });

type BagRequest = {
  packId: string;
  caseReference: string;
  items: ReadonlyArray<Item>;
  excerpts: ReadonlySet<string>;
  reconstruction: Reconstruction | null;
  exportEvent: AuditEvent;
  exportManifest: Digests;
  sourceOrganization: string | undefined;
};

/** IDs become file names in the pack: refused before the export is audited, not halfway through the bag. */
function packableMatch(match: IndexRecording): IndexRecording & { recordingId: string } {
  if (!recordingIdSchema.safeParse(match.recordingId).success || !conversationIdSchema.safeParse(match.conversationId).success) {
    throw new ValidationError(`Refused to pack recording "${escapeUnsafeText(String(match.recordingId))}" of conversation "${escapeUnsafeText(match.conversationId)}": not a valid Genesys ID.`);
  }
  return match as IndexRecording & { recordingId: string };
}

function packableItem(match: IndexRecording): Item {
  const { recordingId, conversationId, tradingId, startMs } = packableMatch(match);
  return { recordingId, conversationId, tradingId, startMs };
}

/** The seqs of the proven events about one recording: its own, its conversation's, and the export's. */
function auditSeqIndex(evidence: AuditEvidence, exportEvent: AuditEvent): (recording: Pick<PackRecording, 'recordingId' | 'conversationId'>) => Array<number> {
  const byRecording = new Map<string, Array<number>>();
  const byConversation = new Map<string, Array<number>>();
  const add = (map: Map<string, Array<number>>, key: string, seq: number) => map.set(key, [...(map.get(key) ?? []), seq]);
  for (const { seq, event } of evidence.events) {
    if (event.eventId === exportEvent.eventId) continue;
    if (event.recordingId !== null) add(byRecording, event.recordingId, seq);
    else if (event.conversationId !== null) add(byConversation, event.conversationId, seq);
  }
  const exportSeqs = evidence.events.some((e) => e.event.eventId === exportEvent.eventId) ? [exportEvent.seq] : [];
  return (recording) =>
    [...(byRecording.get(recording.recordingId) ?? []), ...(byConversation.get(recording.conversationId) ?? []), ...exportSeqs].sort((a, b) => a - b);
}

/**
 * The payload manifests, written as each payload file is (one line per file in each), with the
 * Payload-Oxum counts: nothing per file is kept in memory.
 */
class PayloadLedger {
  private bytes = 0;
  private files = 0;

  private constructor(private readonly manifests: { sha256: DigestingWriter; sha512: DigestingWriter }) {}

  static async open(root: string): Promise<PayloadLedger> {
    return new PayloadLedger({ sha256: await DigestingWriter.create(join(root, 'manifest-sha256.txt')), sha512: await DigestingWriter.create(join(root, 'manifest-sha512.txt')) });
  }

  async record(path: string, digests: Digests): Promise<void> {
    this.bytes += digests.bytes;
    this.files += 1;
    const encoded = encodeManifestPath(path);
    await this.manifests.sha256.write(`${digests.sha256}  ${encoded}\n`);
    await this.manifests.sha512.write(`${digests.sha512}  ${encoded}\n`);
  }

  async abandon(): Promise<void> {
    await Promise.all([this.manifests.sha256.abandon(), this.manifests.sha512.abandon()]);
  }

  async close(): Promise<{ payloadBytes: number; payloadFiles: number; manifests: { sha256: string; sha512: string } }> {
    const sha256 = await this.manifests.sha256.close();
    const sha512 = await this.manifests.sha512.close();
    return { payloadBytes: this.bytes, payloadFiles: this.files, manifests: { sha256: sha256.sha256, sha512: sha512.sha256 } };
  }
}

/** The export event of a reconstruction says so: the trade, its window, and how many recordings its calls hold. */
function reconstructionDetails({ trade, timeline, window }: Reconstruction, recordings: number): Record<string, unknown> {
  return {
    kind: 'reconstruction',
    tradeId: trade.tradeId,
    window: { ...window, ...timeline.window },
    calls: timeline.calls.length,
    recordings,
    summary: `reconstruction of trade ${trade.tradeId}: ${timeline.calls.length} call(s), ${recordings} recording(s)`,
  };
}

/** Marks each recording of a reconstruction with its call's place on the timeline (linked, whose call). */
function tradeMarks(reconstruction: Reconstruction | null): (recording: PackRecording) => PackRecording {
  if (!reconstruction) return (recording) => recording;
  const calls = new Map(reconstruction.timeline.calls.map((c) => [c.conversationId, c]));
  return (recording) => {
    const call = calls.get(recording.conversationId);
    return call ? { ...recording, trade: { tradeId: reconstruction.trade.tradeId, linked: call.linked, parties: [...call.parties] } } : recording;
  };
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

function loadFileRow(r: PackRecording, index: number, pack: Omit<PackDocument, 'recordings'>, exportEvent: AuditEvent): LoadFileRow {
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
    EXPORTED_BY: describeBuiltBy(pack.builtBy),
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
 * Flushes every file of the bag, then its directories (each after everything in it), before the
 * rename: files are written without per-file flushes so that disk writes overlap hashing; the fsyncs
 * run four at a time so the filesystem can group its journal commits. The tree is walked with
 * streaming directory reads, so no list of all its files is held.
 */
async function flushTree(dir: string): Promise<void> {
  let batch: Array<string> = [];
  const flushBatch = async () => {
    await Promise.all(batch.map((path) => syncPath(path)));
    batch = [];
  };
  for await (const entry of await opendir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await flushTree(path);
    else if (entry.isFile()) {
      batch.push(path);
      if (batch.length === 4) await flushBatch();
    }
  }
  await flushBatch();
  await syncPath(dir);
}
