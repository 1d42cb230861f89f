import { describe, expect, it } from 'vitest';
import { sha256 } from '../../../../../electron/crypto/sha256';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import { createWitnessRepository } from '../../../../../electron/db/repositories/witness-repository';
import { judgeCosignatures } from '../../../../../electron/services/audit/cosignatures';
import { judgeCheckpoint } from '../../../../../electron/services/audit/witness';
import { consistencyProof, leafHash, rootFromLeafHashes } from '../../../../../shared/crypto/merkle';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const leaves = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => leafHash(sha256, Buffer.from(`${prefix}-${i}`)));
/** A log's tree head at `size` and the consistency proof to it from `from`, as the witness's mirror gives them. */
function view(log: ReadonlyArray<Uint8Array>, size: number, from: number | null) {
  return {
    checkpoint: { treeSize: size, rootHash: hex(rootFromLeafHashes(sha256, log.slice(0, size))) },
    mirrorRoot: hex(rootFromLeafHashes(sha256, log.slice(0, size))),
    proof: from === null ? [] : consistencyProof(sha256, log.slice(0, size), from),
  };
}
const head = (log: ReadonlyArray<Uint8Array>, size: number) => ({ treeSize: size, rootHash: hex(rootFromLeafHashes(sha256, log.slice(0, size))) });

describe('the witness judging a checkpoint against the head it cosigned before', () => {
  const log = leaves('a', 40);

  it('cosigns a first checkpoint whose root its copy of the events gives, and any later one that extends the cosigned tree', () => {
    expect(judgeCheckpoint({ cosigned: null, ...view(log, 7, null) })).toEqual({ verdict: 'extends' });
    for (const [from, to] of [[7, 8], [8, 16], [1, 40], [13, 29]] as const) {
      expect(judgeCheckpoint({ cosigned: head(log, from), ...view(log, to, from) })).toEqual({ verdict: 'extends' });
    }
    expect(judgeCheckpoint({ cosigned: head(log, 16), ...view(log, 16, null) })).toEqual({ verdict: 'unchanged' });
  });

  it('refuses a smaller tree (rolled back) and the same size with another root (forked)', () => {
    expect(judgeCheckpoint({ cosigned: head(log, 20), ...view(log, 12, null) })).toMatchObject({ verdict: 'rolled-back', message: expect.stringContaining('cosigned tree size 20') });
    const other = [...log.slice(0, 10), ...leaves('b', 30)];
    expect(judgeCheckpoint({ cosigned: head(log, 20), ...view(other, 20, null) })).toMatchObject({ verdict: 'forked' });
  });

  it('refuses a larger tree that rewrote what was cosigned, even with a consistent-looking proof from the rewritten log', () => {
    const rewritten = [...log.slice(0, 10), ...leaves('b', 30)];
    // The log's own events, proof and root agree with each other, but not with the head this witness cosigned.
    expect(judgeCheckpoint({ cosigned: head(log, 20), ...view(rewritten, 30, 20) })).toMatchObject({ verdict: 'forked', message: expect.stringContaining('not an extension') });
    // A checkpoint whose root the events the witness read do not give.
    expect(judgeCheckpoint({ cosigned: head(log, 20), ...view(log, 30, 20), checkpoint: head(rewritten, 30) })).toMatchObject({ verdict: 'forked', message: expect.stringContaining('hash to') });
    // A truncated proof.
    expect(judgeCheckpoint({ cosigned: head(log, 20), ...view(log, 30, 20), proof: consistencyProof(sha256, log.slice(0, 30), 20).slice(1) })).toMatchObject({ verdict: 'forked' });
  });
});

describe('the witness repository', () => {
  it('pins the first key of a log and keeps it; advances the cosigned head only from the state it read, never backwards', () => {
    const repository = createWitnessRepository(openDatabaseSync(':memory:'));
    expect(repository.get('log-a')).toBeNull();
    expect(repository.pinKey('log-a', 'k1', 'PEM1', 1000)).toMatchObject({ keyId: 'k1', cosigned: null, alerted: null });
    expect(repository.pinKey('log-a', 'k2', 'PEM2', 2000)).toMatchObject({ keyId: 'k1', publicKeyPem: 'PEM1', pinnedMs: 1000 });

    expect(repository.advance('log-a', null, { treeSize: 5, rootHash: 'r5', cosignedMs: 3000 })).toBe(true);
    // Another process already moved it: a stale expectation does not write.
    expect(repository.advance('log-a', null, { treeSize: 9, rootHash: 'r9', cosignedMs: 3001 })).toBe(false);
    expect(repository.advance('log-a', 5, { treeSize: 4, rootHash: 'r4', cosignedMs: 3002 })).toBe(false);
    expect(repository.advance('log-a', 5, { treeSize: 9, rootHash: 'r9', cosignedMs: 3003 })).toBe(true);
    expect(repository.get('log-a')!.cosigned).toEqual({ treeSize: 9, rootHash: 'r9', cosignedMs: 3003 });
    expect(repository.advance('log-unknown', null, { treeSize: 1, rootHash: 'r', cosignedMs: 1 })).toBe(false);

    repository.setAlerted('log-a', 'rolled-back:6:abc');
    expect(repository.get('log-a')!.alerted).toBe('rolled-back:6:abc');
  });
});

describe('the cosignature policy of the verifier', () => {
  const log = leaves('a', 40);
  const rootAt = (size: number) => hex(rootFromLeafHashes(sha256, log.slice(0, size)));
  const checkpoint = (size: number) => ({ treeSize: size, rootHash: rootAt(size), time: '2026-12-06T10:00:00.000Z' });
  const by = (witnessLogId: string, size: number, rootHash = rootAt(size), keyId = `key-${witnessLogId}`) => ({ witnessLogId, keyId, treeSize: size, rootHash, time: '2026-12-06T10:05:00.000Z' });
  const policy = (minCosignatures: number, cosignatures: Array<ReturnType<typeof by>>, logSize = 40) =>
    judgeCosignatures({ logId: 'log-a', checkpoints: [checkpoint(10), checkpoint(20), checkpoint(30)], logSize, verifiedSize: logSize, rootAt, minCosignatures, cosignatures });

  it('counts distinct witness keys of a checkpoint or a later one, and names the first checkpoint short of the policy', () => {
    const judged = policy(2, [by('b', 10), by('c', 20), by('b', 20), by('b', 20)]);
    expect(judged.checkpoints.map((c) => [c.treeSize, c.cosigners.map((w) => w.witnessLogId), c.witnessedBy])).toEqual([
      [10, ['b'], 2],
      [20, ['c', 'b'], 2],
      [30, [], 0],
    ]);
    expect(judged.problems).toEqual([expect.objectContaining({ kind: 'too-few-cosignatures', treeSize: 30, message: expect.stringContaining('witnessed by 0 of the 2') })]);
    expect(policy(1, [by('b', 30)]).problems).toEqual([]);
    // Two log ids signing with one key are one witness.
    expect(policy(2, [by('b', 30), by('b2', 30, rootAt(30), 'key-b')]).problems).toEqual([expect.objectContaining({ kind: 'too-few-cosignatures', treeSize: 10 })]);
    // Report only: nothing required.
    expect(policy(0, []).problems).toEqual([]);
  });

  it('names a cosigned tree the log no longer holds (rolled back) or whose root its events no longer give (forked), whatever the policy', () => {
    const rolledBack = policy(0, [by('b', 35)], 30);
    expect(rolledBack.problems).toEqual([
      expect.objectContaining({ kind: 'contradicted-by-witness', treeSize: 35, key: 'audit/v1/log-a/cosignatures/000000000035/b', message: expect.stringContaining('holds 30 events: it was rolled back') }),
    ]);
    const forked = policy(0, [by('b', 20, 'f'.repeat(64))]);
    expect(forked.problems).toEqual([expect.objectContaining({ kind: 'contradicted-by-witness', treeSize: 20, message: expect.stringContaining('forked') })]);
    expect(forked.checkpoints[1]!.cosigners).toEqual([]);
    // A consistent cosignature of a size without a checkpoint is only a warning.
    expect(policy(0, [by('b', 25)])).toMatchObject({ problems: [], warnings: [expect.stringContaining('tree size 25, which has no verified checkpoint')] });
  });
});
