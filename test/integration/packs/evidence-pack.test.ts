import { execFileSync, spawnSync } from 'node:child_process';
import { appendFile, cp, open, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readEventChain } from '../../helpers/read-event-chain';
import { sha256File } from '../../../electron/services/storage/durable-file';
import { parseDat } from '../../../electron/services/packs/load-files';
import { verifyPack } from '../../../electron/services/packs/pack-verifier';
import { createKeyTrust } from '../../../electron/services/signing/key-trust';
import type { PackDocument, PackProofs, PackRecording } from '../../../shared/pack-format';
import { startHarness, uniqueTradingCall, type Harness } from '../../helpers/engine-harness';

let h: Harness;
let packDir: string;
let zipPath: string;
let call: ReturnType<typeof uniqueTradingCall>;

beforeAll(async () => {
  h = await startHarness({ worm: inject('worm').connection });
  call = uniqueTradingCall(h.sandbox);
  // The officer played the call first: the pack must carry that access with its proof.
  h.composed.session.setCaseReference('FCA-2026-0042');
  await h.composed.engine.search({ tradingId: call.tradingId }, { caseReference: 'FCA-2026-0042' });
  await h.composed.engine.authorizePlayback(call.recording.id, 'FCA-2026-0042');
  packDir = join(h.root, 'pack-FCA-2026-0042');
  zipPath = join(h.root, 'pack-FCA-2026-0042.zip');
});
afterAll(async () => h?.close());

const tamperedCopy = async (name: string) => {
  const copy = join(h.root, `tampered-${name}`);
  await cp(packDir, copy, { recursive: true });
  return copy;
};

async function flipByte(path: string, offset: number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, offset);
    byte[0] = byte[0]! ^ 0x01;
    await handle.write(byte, 0, 1, offset);
  } finally {
    await handle.close();
  }
}

describe('building an evidence pack', () => {
  it('audits the export first, then writes a signed BagIt bag that verifies', async () => {
    const result = await h.composed.packs.build({ selection: { kind: 'tradingIds', tradingIds: [call.tradingId] }, caseReference: 'FCA-2026-0042', outPath: packDir });
    expect(result).toMatchObject({ recordings: 1, verified: true, caseReference: 'FCA-2026-0042' });

    const events = [];
    for await (const e of readEventChain(h.s3, h.bucket, h.composed.profile.logId)) events.push(e);
    const exportEvent = events.find((e) => e.eventId === result.exportEventId)!;
    expect(exportEvent).toMatchObject({ action: 'export', caseReference: 'FCA-2026-0042', details: { items: [[call.conversation.id, call.recording.id]] } });

    const files = (await readdir(packDir, { recursive: true })).map(String).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'bagit.txt',
        'bag-info.txt',
        'manifest-sha256.txt',
        'manifest-sha512.txt',
        'tagmanifest-sha256.txt',
        'index.html',
        'signature/signature.json',
        'signature/tagmanifest-sha256.txt.sig',
        'data/pack.json',
        'data/index.csv',
        'data/loadfile.dat',
        'data/audit/proofs.json',
        'data/audit/checkpoint.json',
        `data/metadata/${call.recording.id}.json`,
        `data/recordings/${call.conversation.id}/${call.recording.id}.wav`,
        `data/recordings/${call.conversation.id}/${call.recording.id}.original.wav`,
      ]),
    );
    expect(await readFile(join(packDir, 'bagit.txt'), 'utf8')).toBe('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');
    const bagInfo = await readFile(join(packDir, 'bag-info.txt'), 'utf8');
    expect(bagInfo).toMatch(/^Source-Organization: .+$/m);
    expect(bagInfo).toMatch(/^Bagging-Date: \d{4}-\d{2}-\d{2}$/m);
    expect(bagInfo).toContain('External-Identifier: FCA-2026-0042\n');
    expect(bagInfo).toContain(`Payload-Oxum: ${result.payloadBytes}.${result.payloadFiles}\n`);
    expect(bagInfo).toContain('Custody-Version: 0.1.0\n');
    expect(bagInfo).toContain(`Custody-Export-Event-Id: ${result.exportEventId}\n`);

    const metadata = JSON.parse(await readFile(join(packDir, `data/metadata/${call.recording.id}.json`), 'utf8')) as PackRecording;
    const cached = await h.composed.engine.recording(call.recording.id);
    expect(metadata).toMatchObject({
      conversationId: call.conversation.id,
      recordingId: call.recording.id,
      tradingId: call.tradingId,
      clientAccount: call.conversation.clientAccount,
      source: 'genesys',
      retrieval: { sha256: cached.cached!.sha256 },
      original: { sha256: cached.cached!.sha256 },
      wav: { channels: 2, sampleRate: 8000, bitsPerSample: 16 },
    });
    expect(metadata.participants.length).toBeGreaterThan(0);
    expect(await sha256File(join(packDir, metadata.original.path))).toBe(cached.cached!.sha256);

    // The audit trail: search, play and export of this recording, each proven against a signed checkpoint.
    const proofs = JSON.parse(await readFile(join(packDir, 'data/audit/proofs.json'), 'utf8')) as PackProofs;
    expect(proofs.events.map((e) => e.action)).toEqual(expect.arrayContaining(['search', 'play', 'export']));
    expect(proofs.checkpoint.value.treeSize).toBeGreaterThan(exportEvent.seq);
    const pack = JSON.parse(await readFile(join(packDir, 'data/pack.json'), 'utf8')) as PackDocument;
    expect(pack.exportEventId).toBe(result.exportEventId);

    const dat = parseDat(await readFile(join(packDir, 'data/loadfile.dat'), 'utf8'));
    expect(dat[0]).toContain('CONTROLNO');
    expect(dat[1]![dat[0]!.indexOf('RECORDINGID')]).toBe(call.recording.id);
    expect(dat[1]![dat[0]!.indexOf('SHA256')]).toBe(cached.cached!.sha256);
    const csv = await readFile(join(packDir, 'data/index.csv'), 'utf8');
    expect(csv.split('\r\n')[1]).toContain(call.recording.id);

    expect(await verifyPack(packDir)).toMatchObject({ ok: true, problems: [], recordings: 1 });
  });

  it('verifies with standard tools alone: sha256sum, sha512sum and openssl, as docs/verify-a-pack.md says', async () => {
    const signature = JSON.parse(await readFile(join(packDir, 'signature/signature.json'), 'utf8')) as { keyId: string; publicKey: string };
    const run = (cmd: string) => spawnSync('bash', ['-c', cmd], { cwd: packDir, encoding: 'utf8' });
    expect(run('sha256sum --quiet -c manifest-sha256.txt').status).toBe(0);
    expect(run('sha512sum --quiet -c manifest-sha512.txt').status).toBe(0);
    expect(run('sha256sum --quiet -c tagmanifest-sha256.txt').status).toBe(0);
    // The commands exactly as docs/verify-a-pack.md prints them.
    const doc = await readFile(new URL('../../../docs/verify-a-pack.md', import.meta.url), 'utf8');
    const block = /KEY=\$\(sed[^\n]*\n(?:[^\n]*\n){2}/.exec(doc)![0];
    const verified = run(block);
    expect(verified.stdout).toContain('Signature Verified Successfully');
    expect(verified.status).toBe(0);
    const forged = await tamperedCopy('openssl-forged');
    await flipByte(join(forged, 'signature/tagmanifest-sha256.txt.sig'), 3);
    expect(spawnSync('bash', ['-c', block], { cwd: forged, encoding: 'utf8' }).status).not.toBe(0);
    const listing = run("find data -type f | sort > /tmp/custody-present.$$ && cut -d' ' -f3- manifest-sha256.txt | sort > /tmp/custody-listed.$$ && diff /tmp/custody-listed.$$ /tmp/custody-present.$$; r=$?; rm -f /tmp/custody-*.$$; exit $r");
    expect(listing.status).toBe(0);
    const oxum = run("find data -type f -printf '%s\\n' | awk '{ b += $1; n += 1 } END { print b \".\" n }'");
    expect(await readFile(join(packDir, 'bag-info.txt'), 'utf8')).toContain(`Payload-Oxum: ${oxum.stdout.trim()}\n`);
    const proofs = JSON.parse(await readFile(join(packDir, 'data/audit/proofs.json'), 'utf8')) as PackProofs;
    const first = proofs.events[0]!;
    expect(run(`( printf '\\0'; cat ${first.path} ) | sha256sum`).stdout.split(' ')[0]).toBe(first.leafHash);
    const fingerprint = run(`openssl pkey -pubin -in ${signature.publicKey} -outform DER | sha256sum | cut -d' ' -f1`);
    expect(fingerprint.stdout.trim()).toBe(signature.keyId);
  });

  it('refuses to build over an existing path, and an unknown trading id writes nothing', async () => {
    await expect(h.composed.packs.build({ selection: { kind: 'tradingIds', tradingIds: [call.tradingId] }, caseReference: 'FCA-2026-0042', outPath: packDir })).rejects.toMatchObject({ code: 'VALIDATION' });
    const out = join(h.root, 'never');
    await expect(h.composed.packs.build({ selection: { kind: 'tradingIds', tradingIds: ['T-00000000-0000'] }, caseReference: 'FCA-2026-0042', outPath: out })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await readdir(h.root)).filter((f) => f.startsWith('never') || f.startsWith('.never'))).toEqual([]);
  });

  it('builds a zip that unzip accepts and that verifies', async () => {
    const result = await h.composed.packs.build({ selection: { kind: 'conversations', conversationIds: [call.conversation.id] }, caseReference: 'FCA-2026-0042', outPath: zipPath, zip: true });
    expect(result.zip).toBe(true);
    expect(execFileSync('unzip', ['-tq', zipPath], { encoding: 'utf8' })).toMatch(/No errors detected/);
    expect(await verifyPack(zipPath)).toMatchObject({ ok: true, format: 'zip' });
    expect((await readdir(h.root)).filter((f) => f.includes('.partial'))).toEqual([]);
  });
});

describe('a recording Genesys no longer holds', () => {
  it('is packed from the copy retained at retrieval, checked against the retrieval hash', async () => {
    h.sandbox.deleteRecording(call.conversation.id, call.recording.id);
    const out = join(h.root, 'after-deletion');
    const result = await h.composed.packs.build({ selection: { kind: 'recordings', recordingIds: [call.recording.id] }, caseReference: 'FCA-2026-0042', outPath: out });
    expect(result.verified).toBe(true);
    const metadata = JSON.parse(await readFile(join(out, `data/metadata/${call.recording.id}.json`), 'utf8')) as PackRecording;
    expect(metadata.retrieval.sha256).toBe(metadata.original.sha256);
  });
});

describe('verification names every tampering', () => {
  const problemsOf = async (path: string) => {
    const report = await verifyPack(path);
    expect(report.ok).toBe(false);
    return report.problems;
  };

  it('a flipped byte in the audio, in the metadata, in a tag file or in an audit event', async () => {
    const wav = `data/recordings/${call.conversation.id}/${call.recording.id}.wav`;
    for (const [file, offset] of [
      [wav, 5000],
      [`data/metadata/${call.recording.id}.json`, 20],
      ['bag-info.txt', 3],
      ['index.html', 100],
      ['data/audit/events/000000000000.json', 10],
    ] as const) {
      const copy = await tamperedCopy(`flip-${file.replace(/\W/g, '_')}`);
      await flipByte(join(copy, file), offset);
      const problems = await problemsOf(copy);
      expect(problems.some((p) => p.file === file && /mismatch|altered/.test(p.problem)), JSON.stringify(problems)).toBe(true);
    }
  });

  it('a missing file, an extra payload file and an extra tag file', async () => {
    const missing = await tamperedCopy('missing');
    await rm(join(missing, 'data/audit/checkpoint.json'));
    expect(await problemsOf(missing)).toEqual(expect.arrayContaining([expect.objectContaining({ file: 'data/audit/checkpoint.json', problem: expect.stringMatching(/missing/) })]));

    const extra = await tamperedCopy('extra');
    await writeFile(join(extra, 'data/recordings/planted.wav'), 'RIFF');
    await writeFile(join(extra, 'notes.txt'), 'added later');
    const problems = await problemsOf(extra);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: 'data/recordings/planted.wav', problem: expect.stringMatching(/extra file/) }),
        expect.objectContaining({ file: 'notes.txt', problem: expect.stringMatching(/extra file/) }),
        expect.objectContaining({ file: 'bag-info.txt', check: 'payloadOxum' }),
      ]),
    );
  });

  it('a bad signature, and a re-signed manifest with another key', async () => {
    const bad = await tamperedCopy('badsig');
    await flipByte(join(bad, 'signature/tagmanifest-sha256.txt.sig'), 7);
    expect((await problemsOf(bad)).map((p) => p.check)).toContain('signature');

    // An attacker who rebuilds every manifest and signs with their own key is caught by the trusted keys.
    const report = await verifyPack(packDir, { trust: createKeyTrust({ installationKeyId: null, pinnedKeyIds: ['0'.repeat(64)] }) });
    expect(report.ok).toBe(false);
    expect(report).toMatchObject({ verdict: 'untrusted', signer: { trust: 'untrusted', source: null } });
    expect(report.problems[0]!.problem).toMatch(/not a trusted key/);
  });

  it('a truncated zip, and a flipped byte inside a zip', async () => {
    const truncated = join(h.root, 'truncated.zip');
    await cp(zipPath, truncated);
    const { size } = await stat(truncated);
    await truncate(truncated, Math.floor(size * 0.6));
    const problems = await problemsOf(truncated);
    expect(problems[0]!.problem).toMatch(/truncated/);

    const flipped = join(h.root, 'flipped.zip');
    await cp(zipPath, flipped);
    await flipByte(flipped, Math.floor(size * 0.3));
    const named = await problemsOf(flipped);
    expect(named.some((p) => /CRC-32|mismatch|altered/.test(p.problem))).toBe(true);
  });

  it('a file appended to after the build', async () => {
    const grown = await tamperedCopy('grown');
    await appendFile(join(grown, 'data/index.csv'), 'x,y\r\n');
    expect((await problemsOf(grown)).map((p) => p.file)).toContain('data/index.csv');
  });
});
