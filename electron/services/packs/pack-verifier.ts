import type { Hash } from 'node:crypto';
import { verifyInclusion } from '../../../shared/crypto/merkle';
import { auditCheckpointSchema, auditEventSchema } from '../../../shared/domain';
import { importedTradeSchema, timelineSchema } from '../../../shared/trades';
import {
  EXPORT_MANIFEST_PATH,
  packDocumentSchema,
  packExcerptPath,
  packProofsSchema,
  packRecordingSchema,
  packSignatureSchema,
  type PackDocument,
  type PackRecording,
} from '../../../shared/pack-format';
import { parseWavHeader } from '../audio/wav';
import { excerptSlice, WAV_COPY_DATA_OFFSET } from './audio-copy';
import type { KeyTrust, TrustSource } from '../signing/key-trust';
import { fingerprintOf, keyIdOf, keyIdOrNull, verifySignature } from '../signing/signing-key';
import { createSha256, sha256, sha256Hex } from '../../crypto/sha256';
import { checkpointSigningBytes } from '../audit/layout';
import { bagInfoValue, ManifestParser, parseBagInfo, type ManifestAlgorithm } from './bagit';
import { ExportManifestReader, exportManifestRefOf } from './export-manifest';
import { LineSplitter, type Digests } from './file-digests';
import { MAX_INDEX_FILE_BYTES, openPack, PackOpenError, type PackReader } from './pack-reader';

export type PackCheck = 'bagit' | 'manifests' | 'payloadOxum' | 'signature' | 'proofs' | 'audio' | 'trade';
export type PackProblem = { file: string; check: PackCheck; problem: string };

/**
 * Who signed the pack and whether that key is trusted. `untrusted`: the signature is valid, but made by
 * a key that is neither this installation's, nor pinned, nor published by the firm. `unchecked`: no
 * trust was asked for, or no valid signature was found to ask about.
 */
export type PackSigner = { keyId: string | null; fingerprint: string | null; trust: 'trusted' | 'untrusted' | 'unchecked'; source: TrustSource | null };

export type PackVerification = {
  ok: boolean;
  /**
   * `verified`: intact and signed by a trusted key. `untrusted`: intact and validly signed, but by a key
   * that is not trusted (pin it once its fingerprint matches the firm's). `failed`: anything else.
   */
  verdict: 'verified' | 'untrusted' | 'failed';
  path: string;
  format: 'directory' | 'zip' | null;
  packId: string | null;
  caseReference: string | null;
  exportEventId: string | null;
  signedAt: string | null;
  signingKeyId: string | null;
  signer: PackSigner;
  recordings: number;
  payload: { files: number; bytes: number };
  checks: Record<PackCheck, 'pass' | 'fail'>;
  problems: Array<PackProblem>;
  ms: number;
};

/** Files outside the tag manifest that a pack may hold: the signature over it, and nothing else. */
const signatureFiles = new Set(['tagmanifest-sha256.txt', 'signature/signature.json', 'signature/tagmanifest-sha256.txt.sig']);
const requiredTagFiles = ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', 'manifest-sha512.txt', 'index.html'];

/**
 * Verifies an evidence pack offline, with no credentials: BagIt structure, both payload manifests
 * and the tag manifest, Payload-Oxum, the Ed25519 signature over the tag manifest, every audit
 * event's inclusion proof against the signed checkpoint, and that each recording's audio is a
 * readable WAV of the stated length. Every problem names its file and the reason.
 * With `trust`, a valid signature by a key it does not trust makes the pack untrusted (see PackSigner).
 * `onVerifiedPayload` hears each payload file whose bytes matched both manifests, with its SHA-256.
 */
export async function verifyPack(path: string, options: VerifyOptions = {}): Promise<PackVerification> {
  const started = performance.now();
  const problems: Array<PackProblem> = [];
  const report: PackVerification = {
    ok: false,
    verdict: 'failed',
    path,
    format: null,
    packId: null,
    caseReference: null,
    exportEventId: null,
    signedAt: null,
    signingKeyId: null,
    signer: { keyId: null, fingerprint: null, trust: 'unchecked', source: null },
    recordings: 0,
    payload: { files: 0, bytes: 0 },
    checks: { bagit: 'pass', manifests: 'pass', payloadOxum: 'pass', signature: 'pass', proofs: 'pass', audio: 'pass', trade: 'pass' },
    problems,
    ms: 0,
  };
  const fail = (file: string, check: PackCheck, problem: string) => {
    problems.push({ file, check, problem });
    report.checks[check] = 'fail';
  };
  let reader: PackReader;
  try {
    reader = await openPack(path);
  } catch (error) {
    fail(path, 'bagit', error instanceof PackOpenError ? error.message : `cannot be opened: ${(error as Error).message}`);
    for (const check of Object.keys(report.checks) as Array<PackCheck>) report.checks[check] = 'fail';
    report.ms = Math.round(performance.now() - started);
    return report;
  }
  report.format = reader.format;
  try {
    await new Verification(reader, fail, report, options).run();
  } finally {
    await reader.close();
  }
  report.ok = problems.length === 0;
  // An untrusted key is one problem (see checkTrust); with it alone, everything else checked out.
  report.verdict = report.ok ? 'verified' : report.signer.trust === 'untrusted' && problems.length === 1 ? 'untrusted' : 'failed';
  report.ms = Math.round(performance.now() - started);
  return report;
}

export type VerifyOptions = {
  trust?: KeyTrust;
  onVerifiedPayload?: (file: string, sha256: string) => void;
};

class Verification {
  private readonly texts = new Map<string, Buffer>();
  /** Digests of payload files whose bytes matched both manifests. */
  private readonly verifiedPayload = new Set<string>();
  /** The key whose signature over the tag manifest verified; trust is decided for it alone. */
  private validSignatureKeyId: string | null = null;
  /** The proven export event's details, once its inclusion is checked (what the trade check compares with). */
  private exportDetails: Record<string, unknown> | null = null;

  constructor(
    private readonly reader: PackReader,
    private readonly fail: (file: string, check: PackCheck, problem: string) => void,
    private readonly report: PackVerification,
    private readonly options: VerifyOptions,
  ) {}

  async run(): Promise<void> {
    for (const entry of this.reader.irregular) this.fail(entry, 'bagit', 'not a regular file; a pack holds only regular files');
    await this.step('bagit.txt', 'bagit', () => this.checkDeclaration());
    const bagInfo = (await this.step('bag-info.txt', 'bagit', () => this.bagInfo())) ?? [];
    await this.step('data/', 'manifests', () => this.checkPayload(bagInfo));
    const tagsOk = (await this.step('tagmanifest-sha256.txt', 'manifests', () => this.checkTagManifest())) ?? false;
    await this.step('signature/signature.json', 'signature', () => this.checkSignature(bagInfo, tagsOk));
    const document = (await this.step('data/pack.json', 'proofs', () => this.packDocument())) ?? null;
    await this.step('data/audit/proofs.json', 'proofs', () => this.checkProofs(document));
    await this.step('data/metadata/', 'audio', () => this.checkAudio(document));
    await this.step('data/trade/', 'trade', () => this.checkTrade(document));
    await this.step('signature/signature.json', 'signature', () => this.checkTrust(document));
  }

  /** Runs one check; whatever it throws (a hostile pack finds ways) becomes a problem, and the next check still runs. */
  private async step<T>(file: string, check: PackCheck, run: () => Promise<T>): Promise<T | undefined> {
    try {
      return await run();
    } catch (error) {
      this.fail(file, check, `could not be checked: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** A small file's bytes, or null with the problem reported. Tag files are kept (hashed and signed later); payload files are not. */
  private async bytes(path: string, check: PackCheck, maxBytes?: number): Promise<Buffer | null> {
    if (!this.reader.files.has(path)) {
      this.fail(path, check, 'missing');
      return null;
    }
    try {
      const bytes = this.texts.get(path) ?? (await this.reader.readBytes(path, maxBytes));
      if (!path.startsWith('data/')) this.texts.set(path, bytes);
      return bytes;
    } catch (error) {
      this.fail(path, check, `unreadable: ${(error as Error).message}`);
      return null;
    }
  }

  private async text(path: string, check: PackCheck, maxBytes?: number): Promise<string | null> {
    return (await this.bytes(path, check, maxBytes))?.toString('utf8') ?? null;
  }

  private async json(path: string, check: PackCheck, maxBytes?: number): Promise<unknown> {
    const text = await this.text(path, check, maxBytes);
    if (text === null) return undefined;
    const value = parseJson(text);
    if (value === undefined) this.fail(path, check, 'not valid JSON');
    return value;
  }

  private async checkDeclaration(): Promise<void> {
    const text = await this.text('bagit.txt', 'bagit');
    if (text === null) return;
    const lines = text.split(/\r?\n/).filter((l) => l !== '');
    if (lines[0] !== 'BagIt-Version: 1.0') this.fail('bagit.txt', 'bagit', `first line must be "BagIt-Version: 1.0", found ${JSON.stringify(lines[0] ?? '')}`);
    if (lines[1] !== 'Tag-File-Character-Encoding: UTF-8') this.fail('bagit.txt', 'bagit', 'second line must be "Tag-File-Character-Encoding: UTF-8"');
    if (![...this.reader.files.keys()].some((f) => f.startsWith('data/'))) this.fail('data/', 'bagit', 'the payload directory is missing or empty');
  }

  private async bagInfo(): Promise<Array<[string, string]>> {
    const text = await this.text('bag-info.txt', 'bagit');
    if (text === null) return [];
    const { fields, problems } = parseBagInfo(text);
    for (const problem of problems) this.fail('bag-info.txt', 'bagit', problem);
    for (const label of ['Source-Organization', 'Bagging-Date', 'External-Identifier', 'Payload-Oxum', 'Custody-Version']) {
      if (bagInfoValue(fields, label) === null) this.fail('bag-info.txt', 'bagit', `${label} is missing`);
    }
    this.report.caseReference = bagInfoValue(fields, 'External-Identifier');
    this.report.packId = bagInfoValue(fields, 'Custody-Pack-Id');
    this.report.exportEventId = bagInfoValue(fields, 'Custody-Export-Event-Id');
    return fields;
  }

  /**
   * A manifest. The payload manifests grow with a pack's recordings, so they are streamed line by line;
   * the tag manifest is small and kept, since its bytes are what the signature covers.
   */
  private async manifest(name: string, algorithm: ManifestAlgorithm, check: PackCheck, options: { streamed?: boolean } = {}): Promise<Map<string, string> | null> {
    const parser = new ManifestParser(algorithm);
    if (options.streamed) {
      if (!this.reader.files.has(name)) {
        this.fail(name, check, 'missing');
        return null;
      }
      const lines = new LineSplitter((line) => parser.line(line));
      try {
        await this.reader.forEachChunk(name, (chunk) => lines.push(chunk));
        lines.end();
      } catch (error) {
        this.fail(name, check, `unreadable: ${(error as Error).message}`);
        return null;
      }
    } else {
      const text = await this.text(name, check);
      if (text === null) return null;
      for (const line of text.split('\n')) parser.line(line);
    }
    const { entries, problems } = parser.result();
    for (const problem of problems) this.fail(name, check, problem);
    return new Map(entries.map((e) => [e.path, e.digest]));
  }

  private async checkPayload(bagInfo: ReadonlyArray<[string, string]>): Promise<void> {
    const manifests = {
      sha256: await this.manifest('manifest-sha256.txt', 'sha256', 'manifests', { streamed: true }),
      sha512: await this.manifest('manifest-sha512.txt', 'sha512', 'manifests', { streamed: true }),
    };
    const payloadFiles = [...this.reader.files.keys()].filter((f) => f.startsWith('data/')).sort();
    let bytes = 0;
    for (const file of payloadFiles) bytes += this.reader.files.get(file)!;
    this.report.payload = { files: payloadFiles.length, bytes };
    const oxum = bagInfoValue(bagInfo as Array<[string, string]>, 'Payload-Oxum');
    if (oxum !== null && oxum !== `${bytes}.${payloadFiles.length}`) {
      this.fail('bag-info.txt', 'payloadOxum', `Payload-Oxum is ${oxum} but the payload holds ${bytes} bytes in ${payloadFiles.length} files`);
    }
    const listed = new Set<string>();
    for (const [algorithm, manifest] of Object.entries(manifests)) {
      if (!manifest) continue;
      for (const path of manifest.keys()) {
        listed.add(path);
        if (!path.startsWith('data/')) this.fail(`manifest-${algorithm}.txt`, 'manifests', `${path} is outside data/`);
        else if (!this.reader.files.has(path)) this.fail(path, 'manifests', `missing: listed in manifest-${algorithm}.txt but not in the pack`);
      }
      for (const file of payloadFiles) {
        if (!manifest.has(file)) this.fail(file, 'manifests', `extra file: not listed in manifest-${algorithm}.txt`);
      }
    }
    // Files expected to hold the same bytes are read together and hashed once.
    const groups = new Map<string, Array<string>>();
    for (const file of payloadFiles) {
      const expected256 = manifests.sha256?.get(file);
      const expected512 = manifests.sha512?.get(file);
      const key = expected256 && expected512 ? `${expected256}:${expected512}` : `unlisted:${file}`;
      groups.set(key, [...(groups.get(key) ?? []), file]);
    }
    for (const group of groups.values()) {
      let digests: Array<Digests>;
      try {
        digests = await this.reader.digest(group);
      } catch (error) {
        for (const file of group) this.fail(file, 'manifests', `unreadable: ${(error as Error).message}`);
        continue;
      }
      group.forEach((file, i) => {
        const actual = digests[i]!;
        let matches = true;
        for (const algorithm of ['sha256', 'sha512'] as const) {
          const expected = manifests[algorithm]?.get(file);
          if (expected && expected !== actual[algorithm]) {
            matches = false;
            this.fail(file, 'manifests', `${algorithm.toUpperCase()} mismatch: the file was altered (manifest ${expected.slice(0, 16)}…, file ${actual[algorithm].slice(0, 16)}…)`);
          }
        }
        if (matches && manifests.sha256?.has(file) && manifests.sha512?.has(file)) {
          this.verifiedPayload.add(file);
          this.options.onVerifiedPayload?.(file, actual.sha256);
        }
      });
    }
  }

  private async checkTagManifest(): Promise<boolean> {
    const tags = await this.manifest('tagmanifest-sha256.txt', 'sha256', 'manifests');
    if (!tags) return false;
    let ok = true;
    for (const required of requiredTagFiles) {
      if (!tags.has(required)) {
        ok = false;
        this.fail('tagmanifest-sha256.txt', 'manifests', `${required} is not listed`);
      }
    }
    for (const [file, expected] of tags) {
      if (file.startsWith('data/')) {
        ok = false;
        this.fail('tagmanifest-sha256.txt', 'manifests', `${file} is payload, not a tag file`);
        continue;
      }
      const actual = await this.tagDigest(file);
      if (actual === null) {
        ok = false;
        continue;
      }
      if (actual !== expected) {
        ok = false;
        this.fail(file, 'manifests', 'SHA-256 mismatch with tagmanifest-sha256.txt: the file was altered');
      }
    }
    for (const file of this.reader.files.keys()) {
      if (!file.startsWith('data/') && !tags.has(file) && !signatureFiles.has(file)) {
        ok = false;
        this.fail(file, 'manifests', 'extra file: not listed in tagmanifest-sha256.txt');
      }
    }
    return ok;
  }

  /** SHA-256 of a tag file: of the bytes already read, or streamed (index.html can outgrow the small-file limit). */
  private async tagDigest(file: string): Promise<string | null> {
    const read = this.texts.get(file);
    if (read) return sha256Hex(read);
    if (!this.reader.files.has(file)) {
      this.fail(file, 'manifests', 'missing');
      return null;
    }
    try {
      return (await this.reader.digest([file]))[0]!.sha256;
    } catch (error) {
      this.fail(file, 'manifests', `unreadable: ${(error as Error).message}`);
      return null;
    }
  }

  private async checkSignature(bagInfo: ReadonlyArray<[string, string]>, tagsOk: boolean): Promise<void> {
    const raw = await this.json('signature/signature.json', 'signature');
    if (raw === undefined) return;
    const parsed = packSignatureSchema.safeParse(raw);
    if (!parsed.success) {
      this.fail('signature/signature.json', 'signature', 'not a custody.pack.signature.v1 document');
      return;
    }
    const signature = parsed.data;
    this.report.signedAt = signature.signedAt;
    this.report.signingKeyId = signature.keyId;
    const rawSignature = this.reader.files.has(signature.signatureFile) ? await this.reader.readBytes(signature.signatureFile) : null;
    if (!rawSignature) this.fail(signature.signatureFile, 'signature', 'missing');
    else if (!rawSignature.equals(Buffer.from(signature.signature, 'base64'))) this.fail(signature.signatureFile, 'signature', 'differs from the signature in signature/signature.json');
    const pem = await this.text(signature.publicKey, 'signature');
    if (pem === null) return;
    if (!this.verifiedPayload.has(signature.publicKey)) this.fail(signature.publicKey, 'signature', 'the public key is not covered by the manifests');
    let keyId: string;
    try {
      keyId = keyIdOf(pem);
    } catch {
      this.fail(signature.publicKey, 'signature', 'not a public key');
      return;
    }
    if (keyId !== signature.keyId) this.fail('signature/signature.json', 'signature', `keyId ${signature.keyId} is not the key in ${signature.publicKey} (${keyId})`);
    const tagManifest = this.texts.get('tagmanifest-sha256.txt');
    if (!tagManifest) return;
    if (!verifySignature(pem, tagManifest, signature.signature)) {
      this.fail('tagmanifest-sha256.txt', 'signature', 'the Ed25519 signature does not verify: the tag manifest or the signature was altered');
    } else {
      this.validSignatureKeyId = keyId;
    }
    if (bagInfoValue(bagInfo as Array<[string, string]>, 'Custody-Signing-Time') !== signature.signedAt) {
      this.fail('signature/signature.json', 'signature', 'signedAt differs from Custody-Signing-Time in bag-info.txt');
    }
    if (bagInfoValue(bagInfo as Array<[string, string]>, 'Custody-Signing-Key-Id') !== signature.keyId) {
      this.fail('signature/signature.json', 'signature', 'keyId differs from Custody-Signing-Key-Id in bag-info.txt');
    }
    if (!tagsOk) this.report.checks.signature = 'fail';
  }

  private async packDocument(): Promise<PackDocument | null> {
    const raw = await this.json('data/pack.json', 'proofs', MAX_INDEX_FILE_BYTES);
    if (raw === undefined) return null;
    const parsed = packDocumentSchema.safeParse(raw);
    if (!parsed.success) {
      this.fail('data/pack.json', 'proofs', 'not a custody.pack.v1 document');
      return null;
    }
    this.report.recordings = parsed.data.recordings.length;
    if (this.report.exportEventId !== null && this.report.exportEventId !== parsed.data.exportEventId) {
      this.fail('data/pack.json', 'proofs', 'exportEventId differs from Custody-Export-Event-Id in bag-info.txt');
    }
    if (this.report.signingKeyId !== null && parsed.data.signingKeyId !== this.report.signingKeyId) {
      this.fail('data/pack.json', 'signature', `signingKeyId ${parsed.data.signingKeyId} is not the key that signed the pack (${this.report.signingKeyId})`);
    }
    return parsed.data;
  }

  private async checkProofs(document: PackDocument | null): Promise<void> {
    const raw = await this.json('data/audit/proofs.json', 'proofs', MAX_INDEX_FILE_BYTES);
    if (raw === undefined) return;
    const parsed = packProofsSchema.safeParse(raw);
    if (!parsed.success) {
      this.fail('data/audit/proofs.json', 'proofs', 'not a custody.pack.proofs.v1 document');
      return;
    }
    const proofs = parsed.data;
    const checkpointRaw = await this.json(proofs.checkpoint.path, 'proofs');
    const checkpoint = auditCheckpointSchema.safeParse(checkpointRaw);
    if (!checkpoint.success) {
      this.fail(proofs.checkpoint.path, 'proofs', 'not a custody.checkpoint.v1 object');
      return;
    }
    if (JSON.stringify(checkpoint.data) !== JSON.stringify(proofs.checkpoint.value)) this.fail('data/audit/proofs.json', 'proofs', 'its checkpoint differs from data/audit/checkpoint.json');
    const pem = await this.text(proofs.checkpoint.publicKey, 'proofs');
    if (pem !== null && !verifySignature(pem, checkpointSigningBytes(checkpoint.data), checkpoint.data.signature)) {
      this.fail(proofs.checkpoint.path, 'proofs', 'the checkpoint signature does not verify');
    }
    this.checkCheckpointKey(proofs.checkpoint.publicKey, pem, checkpoint.data.keyId);
    const root = Buffer.from(checkpoint.data.rootHash, 'hex');
    const eventIds = new Map<string, { seq: number; logId: string; details: Record<string, unknown> }>();
    for (const entry of proofs.events) {
      if (!this.reader.files.has(entry.path)) {
        this.fail(entry.path, 'proofs', 'missing audit event');
        continue;
      }
      const bytes = await this.bytes(entry.path, 'proofs');
      if (bytes === null) continue;
      const leaf = sha256(Buffer.concat([Buffer.of(0), bytes]));
      const included = verifyInclusion(sha256, {
        leafIndex: entry.seq,
        treeSize: checkpoint.data.treeSize,
        leafHash: leaf,
        proof: entry.proof.map((p) => Buffer.from(p, 'hex')),
        root,
      });
      if (Buffer.from(leaf).toString('hex') !== entry.leafHash || !included) {
        this.fail(entry.path, 'proofs', `audit event ${entry.seq} is not included in checkpoint ${checkpoint.data.treeSize} (altered event or proof)`);
        continue;
      }
      const json = parseJson(bytes.toString('utf8'));
      if (json === undefined) {
        this.fail(entry.path, 'proofs', 'not valid JSON');
        continue;
      }
      const event = auditEventSchema.safeParse(json);
      if (!event.success || event.data.seq !== entry.seq || event.data.eventId !== entry.eventId || event.data.logId !== proofs.logId) {
        this.fail(entry.path, 'proofs', 'the event does not match its proof entry');
        continue;
      }
      eventIds.set(event.data.eventId, { seq: event.data.seq, logId: event.data.logId, details: event.data.details });
    }
    if (!document) return;
    const exportEvent = eventIds.get(document.exportEventId);
    if (!exportEvent) {
      this.fail('data/audit/proofs.json', 'proofs', `the export event ${document.exportEventId} is not among the proven events`);
      return;
    }
    this.exportDetails = exportEvent.details;
    const items = Array.isArray(exportEvent.details.items) ? (exportEvent.details.items as Array<unknown>) : [];
    const inline = new Set(items.map((item) => (Array.isArray(item) ? String(item[1]) : '')));
    if (exportEvent.details.manifest === undefined) {
      // Built before export manifests: the event itself lists every item.
      for (const recording of document.recordings) {
        if (!inline.has(recording.recordingId)) this.fail(recording.metadata, 'proofs', `recording ${recording.recordingId} is not listed in the export event`);
      }
      return;
    }
    const listed = await this.exportManifestItems(document, exportEvent);
    if (!listed) return;
    const packed = new Set(document.recordings.map((r) => r.recordingId));
    for (const recording of document.recordings) {
      if (!listed.has(recording.recordingId)) this.fail(recording.metadata, 'proofs', `recording ${recording.recordingId} is not listed in the export manifest`);
    }
    for (const recordingId of listed) {
      if (!packed.has(recordingId)) this.fail(EXPORT_MANIFEST_PATH, 'proofs', `recording ${recordingId} is listed in the export manifest but not in the pack`);
    }
    for (const recordingId of inline) {
      if (!listed.has(recordingId)) this.fail('data/audit/proofs.json', 'proofs', `the export event lists recording ${recordingId}, which its manifest does not`);
    }
  }

  /**
   * The recording IDs of the pack's export manifest, streamed, once its size and SHA-256 are those the
   * proven export event names (so the list is the one locked in the audit bucket before the export);
   * null, with the problem reported, otherwise.
   */
  private async exportManifestItems(document: PackDocument, exportEvent: { logId: string; details: Record<string, unknown> }): Promise<Set<string> | null> {
    let ref;
    try {
      ref = exportManifestRefOf({ action: 'export', details: exportEvent.details })!;
    } catch (error) {
      this.fail('data/audit/proofs.json', 'proofs', (error as Error).message);
      return null;
    }
    if (!this.reader.files.has(EXPORT_MANIFEST_PATH)) {
      this.fail(EXPORT_MANIFEST_PATH, 'proofs', `missing: the export event names manifest ${ref.key}, which the pack must carry`);
      return null;
    }
    const listed = new Set<string>();
    const manifest = new ExportManifestReader((item) => {
      if (listed.has(item.recordingId)) this.fail(EXPORT_MANIFEST_PATH, 'proofs', `recording ${item.recordingId} is listed twice`);
      listed.add(item.recordingId);
    });
    let read;
    try {
      await this.reader.forEachChunk(EXPORT_MANIFEST_PATH, (chunk) => manifest.push(chunk));
      read = manifest.end();
    } catch (error) {
      this.fail(EXPORT_MANIFEST_PATH, 'proofs', `not a valid export manifest: ${(error as Error).message}`);
      return null;
    }
    if (read.sha256 !== ref.sha256 || read.bytes !== ref.bytes) {
      this.fail(EXPORT_MANIFEST_PATH, 'proofs', `SHA-256 ${read.sha256.slice(0, 16)}… (${read.bytes} bytes) is not the export event's manifest ${ref.sha256.slice(0, 16)}… (${ref.bytes} bytes): the manifest was altered`);
      return null;
    }
    if (read.header.packId !== document.packId || read.header.logId !== exportEvent.logId || read.header.caseReference !== document.caseReference || read.items !== ref.items) {
      this.fail(EXPORT_MANIFEST_PATH, 'proofs', 'is the manifest of another export (pack, log, case or item count differ)');
      return null;
    }
    return listed;
  }

  /** The checkpoint is trusted through the pack's signing key, so both must be the same key, in the file the proofs name. */
  private checkCheckpointKey(publicKeyPath: string, pem: string | null, checkpointKeyId: string): void {
    if (pem !== null && keyIdOrNull(pem) !== checkpointKeyId) this.fail(publicKeyPath, 'proofs', `is not the key ${checkpointKeyId} that signed the checkpoint`);
    if (pem !== null && !this.verifiedPayload.has(publicKeyPath)) this.fail(publicKeyPath, 'proofs', 'the checkpoint key is not covered by the manifests');
    if (this.report.signingKeyId !== null && checkpointKeyId !== this.report.signingKeyId) {
      this.fail('data/audit/checkpoint.json', 'signature', `the checkpoint is signed by key ${checkpointKeyId}, not by the key that signed the pack (${this.report.signingKeyId})`);
    }
  }

  /** Last: a valid signature counts only from a trusted key. */
  private async checkTrust(document: PackDocument | null): Promise<void> {
    const keyId = this.validSignatureKeyId;
    if (!keyId || !this.options.trust) return;
    const source = await this.options.trust({ keyId, logId: document?.logId ?? null });
    this.report.signer = { keyId, fingerprint: fingerprintOf(keyId), trust: source ? 'trusted' : 'untrusted', source };
    if (!source) this.fail('signature/signature.json', 'signature', `signed by key ${fingerprintOf(keyId)}, which is not a trusted key: not this installation's, not pinned, not published in the firm's audit bucket`);
  }

  /**
   * A reconstruction: the trade record and the timeline are the trade the proven export event names, and
   * the timeline's recordings are exactly the pack's. (Their bytes are checked by the payload manifests.)
   */
  private async checkTrade(document: PackDocument | null): Promise<void> {
    const exported = this.exportDetails;
    if (!document?.trade) {
      if (exported?.kind === 'reconstruction') this.fail('data/pack.json', 'trade', `the export event is the reconstruction of trade ${String(exported.tradeId)}, but the pack names no trade`);
      return;
    }
    const { tradeId } = document.trade;
    if (exported && (exported.kind !== 'reconstruction' || exported.tradeId !== tradeId)) {
      this.fail('data/pack.json', 'trade', `names trade ${tradeId}, but the export event is not its reconstruction`);
    }
    const trade = importedTradeSchema.safeParse(await this.json(document.trade.record, 'trade', MAX_INDEX_FILE_BYTES));
    if (!trade.success) this.fail(document.trade.record, 'trade', 'not a trade record as imported');
    else if (trade.data.tradeId !== tradeId) this.fail(document.trade.record, 'trade', `is trade ${trade.data.tradeId}, not ${tradeId}`);
    const timeline = timelineSchema.safeParse(await this.json(document.trade.timeline, 'trade', MAX_INDEX_FILE_BYTES));
    if (!timeline.success) {
      this.fail(document.trade.timeline, 'trade', 'not a custody.timeline.v1 document');
      return;
    }
    if (timeline.data.tradeId !== tradeId || timeline.data.execution.trade.tradeId !== tradeId) this.fail(document.trade.timeline, 'trade', `is not the timeline of trade ${tradeId}`);
    const onTimeline = new Set(timeline.data.calls.flatMap((c) => c.recordings.map((r) => r.recordingId)));
    const packed = new Set(document.recordings.map((r) => r.recordingId));
    for (const recordingId of onTimeline) if (!packed.has(recordingId)) this.fail(document.trade.timeline, 'trade', `recording ${recordingId} is on the timeline but not in the pack`);
    for (const recordingId of packed) if (!onTimeline.has(recordingId)) this.fail('data/pack.json', 'trade', `recording ${recordingId} is in the pack but not on the timeline`);
  }

  private async checkAudio(document: PackDocument | null): Promise<void> {
    if (!document) return;
    for (const entry of document.recordings) {
      const raw = await this.json(entry.metadata, 'audio');
      if (raw === undefined) continue;
      const parsed = packRecordingSchema.safeParse(raw);
      if (!parsed.success) {
        this.fail(entry.metadata, 'audio', 'not a custody.pack.recording.v1 document');
        continue;
      }
      const recording: PackRecording = parsed.data;
      if (recording.retrieval.sha256 !== recording.original.sha256) {
        this.fail(recording.original.path, 'audio', 'the original differs from the bytes retrieved (retrieval SHA-256 mismatch)');
      }
      for (const [file, expect] of [
        [recording.original.path, null],
        [recording.wav.path, recording.wav],
      ] as const) {
        if (!this.reader.files.has(file)) {
          this.fail(file, 'audio', 'missing');
          continue;
        }
        const size = this.reader.files.get(file)!;
        try {
          const head = await this.headOf(file);
          const info = parseWavHeader(head, size);
          if (info.dataBytes % info.blockAlign !== 0) throw new Error('the data chunk ends inside a sample frame');
          if (info.dataOffset + info.dataBytes > size) throw new Error('the data chunk is cut short');
          if (expect) {
            if (info.format !== 'pcm') throw new Error(`the WAV copy is ${info.format}, not PCM`);
            if (info.channels !== expect.channels || info.sampleRate !== expect.sampleRate || Math.abs(info.durationMs - expect.durationMs) > 1) {
              throw new Error('the WAV copy does not have the channels, rate or duration its metadata states');
            }
          }
        } catch (error) {
          this.fail(file, 'audio', `does not decode as WAV: ${(error as Error).message}`);
        }
      }
      await this.checkExcerpts(recording);
    }
  }

  /**
   * Each excerpt WAV must hold exactly the samples its metadata states: bytes [startByte, endByte) of
   * the WAV copy's data chunk, the whole frames of its annotation's range. One read of the copy serves
   * every excerpt of the recording.
   */
  private async checkExcerpts(recording: PackRecording): Promise<void> {
    const excerpts = (recording.annotations ?? []).flatMap((a) => (a.excerpt ? [{ annotation: a, excerpt: a.excerpt }] : []));
    if (excerpts.length === 0 || !this.reader.files.has(recording.wav.path)) return;
    const wavDataBytes = (this.reader.files.get(recording.wav.path) ?? 0) - WAV_COPY_DATA_OFFSET;
    const checked: Array<{ path: string; startByte: number; endByte: number; hash: Hash }> = [];
    for (const { annotation, excerpt } of excerpts) {
      const expected = excerptSlice(recording.wav, wavDataBytes, annotation);
      const problem =
        excerpt.path !== packExcerptPath(recording.recordingId, annotation.annotationId) ? 'is not where the pack keeps this annotation\'s excerpt'
        : excerpt.of !== recording.wav.path || excerpt.dataOffset !== WAV_COPY_DATA_OFFSET ? 'does not name the recording\'s WAV copy as its source'
        : excerpt.fromMs !== annotation.fromMs || excerpt.toMs !== annotation.toMs ? 'does not cover its annotation\'s range'
        : excerpt.startByte !== expected.startByte || excerpt.endByte !== expected.endByte ? `states bytes ${excerpt.startByte}-${excerpt.endByte} of the data chunk, not ${expected.startByte}-${expected.endByte} (the range's whole frames)`
        : !this.reader.files.has(excerpt.path) ? 'missing'
        : null;
      if (problem) this.fail(excerpt.path, 'audio', `excerpt ${problem}`);
      else checked.push({ path: excerpt.path, ...expected, hash: createSha256() });
    }
    if (checked.length === 0) return;
    let position = 0;
    await this.reader.forEachChunk(recording.wav.path, (chunk) => {
      for (const slice of checked) {
        const from = Math.max(0, WAV_COPY_DATA_OFFSET + slice.startByte - position);
        const to = Math.min(chunk.length, WAV_COPY_DATA_OFFSET + slice.endByte - position);
        if (to > from) slice.hash.update(chunk.subarray(from, to));
      }
      position += chunk.length;
    });
    for (const slice of checked) {
      try {
        const info = parseWavHeader(await this.headOf(slice.path), this.reader.files.get(slice.path)!);
        if (info.format !== 'pcm' || info.channels !== recording.wav.channels || info.sampleRate !== recording.wav.sampleRate || info.bitsPerSample !== recording.wav.bitsPerSample) {
          throw new Error('its format is not the WAV copy\'s');
        }
        const samples = createSha256();
        let at = 0;
        await this.reader.forEachChunk(slice.path, (chunk) => {
          const from = Math.max(0, info.dataOffset - at);
          const to = Math.min(chunk.length, info.dataOffset + info.dataBytes - at);
          if (to > from) samples.update(chunk.subarray(from, to));
          at += chunk.length;
        });
        if (info.dataBytes !== slice.endByte - slice.startByte || samples.digest('hex') !== slice.hash.digest('hex')) {
          throw new Error(`its samples are not bytes ${slice.startByte}-${slice.endByte} of ${recording.wav.path}'s data chunk`);
        }
      } catch (error) {
        this.fail(slice.path, 'audio', `excerpt: ${(error as Error).message}`);
      }
    }
  }

  private headOf(file: string): Promise<Buffer> {
    return this.reader.readHead(file, 64 * 1024);
  }
}

/** JSON.parse that answers undefined for text that is not JSON (no JSON text parses to undefined). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
