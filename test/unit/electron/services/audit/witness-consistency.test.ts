import { describe, expect, it } from 'vitest';
import { sha256 } from '../../../../../electron/crypto/sha256';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import { createWitnessRepository } from '../../../../../electron/db/repositories/witness-repository';
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
