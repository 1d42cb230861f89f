import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../../../shared/canonical-json';
import { inclusionProof, leafHash, nodeHash, rootFromLeafHashes } from '../../../../../shared/crypto/merkle';
import type { AuditEvent } from '../../../../../shared/domain';
import type { PackDocument, PackProofs } from '../../../../../shared/pack-format';
import { renderOfflineViewer, viewerMerkleScript } from '../../../../../electron/services/packs/offline-viewer';

// jsdom ships no types; this is the one constructor used.
const { JSDOM } = createRequire(import.meta.url)('jsdom') as { JSDOM: new (html: string, options: { runScripts: 'dangerously' }) => { window: Window } };

/** The viewer's own SHA-256 and inclusion check, run under Node exactly as the page embeds them. */
type ViewerMerkle = {
  sha256(bytes: Uint8Array): Uint8Array;
  unhex(text: string): Uint8Array;
  verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: ReadonlyArray<Uint8Array>, root: Uint8Array): boolean;
};
const viewer = new Function(`${viewerMerkleScript}\nreturn { sha256: sha256, unhex: unhex, verifyInclusion: verifyInclusion };`)() as ViewerMerkle;

const sha256 = (d: Uint8Array) => new Uint8Array(createHash('sha256').update(d).digest());
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafHash(sha256, new TextEncoder().encode(`event-${i}`)));

describe("the offline viewer's Merkle check", () => {
  it("hashes as Node's SHA-256 and verifies the engine's proofs", () => {
    for (const text of ['', 'abc', 'x'.repeat(55), 'y'.repeat(64), 'z'.repeat(1000)]) {
      const bytes = new TextEncoder().encode(text);
      expect(hex(viewer.sha256(bytes))).toBe(hex(sha256(bytes)));
    }
    for (const n of [1, 2, 3, 7, 8, 13]) {
      const d = leaves(n);
      const root = rootFromLeafHashes(sha256, d);
      for (let m = 0; m < n; m += 1) expect(viewer.verifyInclusion(m, n, d[m]!, inclusionProof(sha256, d, m), root), `${m} of ${n}`).toBe(true);
    }
  });

  it('refuses a leaf, root or path element that is not 32 bytes, even where the arithmetic would agree', () => {
    const [leaf, sibling] = leaves(2) as [Uint8Array, Uint8Array];
    expect(viewer.verifyInclusion(0, 1, new Uint8Array(0), [], new Uint8Array(0))).toBe(false);
    for (const n of [0, 1, 31, 33, 64]) {
      const odd = new Uint8Array(n).fill(7);
      expect(viewer.verifyInclusion(0, 1, odd, [], odd), `leaf and root of ${n} bytes`).toBe(false);
      expect(viewer.verifyInclusion(0, 2, odd, [sibling], nodeHash(sha256, odd, sibling)), `leaf of ${n} bytes`).toBe(false);
      expect(viewer.verifyInclusion(0, 2, leaf, [odd], nodeHash(sha256, leaf, odd)), `path element of ${n} bytes`).toBe(false);
    }
    expect(viewer.verifyInclusion(0, 2, leaf, [sibling], nodeHash(sha256, leaf, sibling))).toBe(true);
  });

  it('decodes only hex: odd lengths and other characters become no bytes, which no check accepts', () => {
    expect(hex(viewer.unhex('00ff'))).toBe('00ff');
    for (const bad of ['0', 'zz'.repeat(32), `${'a'.repeat(63)}g`, ' '.repeat(64)]) expect(viewer.unhex(bad).length, bad).toBe(0);
  });
});

describe('the offline viewer page (jsdom)', () => {
  const time = new Date().toISOString();
  const officer = { kind: 'officer' as const, genesysUserId: '0ff1ce00-0000-4000-8000-00000000000a', name: 'Olivia Adler', email: 'officer.a@sandbox.custody.test', osAccount: 'officer' };
  const event = (seq: number, operator: AuditEvent['operator'] = officer): string =>
    canonicalJson({
      schema: 'custody.audit.v1',
      logId: '5f0c9a52-6a43-4c3f-9d0e-0d6b1f3f4a11',
      seq,
      eventId: `event-${seq}`,
      time,
      operator,
      workstation: { hostname: 'ws-1', addresses: [] },
      action: 'play',
      conversationId: null,
      recordingId: null,
      tradingId: null,
      caseReference: 'FCA-2026-0042',
      details: {},
      prevHash: '0'.repeat(64),
    } satisfies AuditEvent);
  const document: PackDocument = {
    schema: 'custody.pack.v1',
    packId: 'pack-1',
    caseReference: 'FCA-2026-0042',
    sourceOrganization: 'Test Firm',
    builtAt: new Date().toISOString(),
    builtBy: { operator: 'Olivia Adler', genesysUserId: officer.genesysUserId, email: officer.email, osAccount: 'officer', workstation: 'ws-1' },
    custodyVersion: '0.1.0',
    exportEventId: 'event-0',
    exportEventSeq: 0,
    logId: '5f0c9a52-6a43-4c3f-9d0e-0d6b1f3f4a11',
    signingKeyId: 'a'.repeat(64),
    recordings: [],
  };

  /** Renders a one-event pack whose proof claims `proof` and `rootHash` and runs its script. */
  function rendered(proof: Array<string>, rootHash: string, treeSize: number, text = event(0)): { window: Window } {
    const leaf = leafHash(sha256, new TextEncoder().encode(text));
    const proofs: PackProofs = {
      schema: 'custody.pack.proofs.v1',
      logId: document.logId,
      hashAlgorithm: 'sha256',
      tree: 'RFC 9162',
      checkpoint: {
        path: 'data/audit/checkpoint.json',
        key: 'audit/v1/x/checkpoints/000000000002.json',
        publicKey: 'data/keys/a.pem',
        value: { schema: 'custody.checkpoint.v1', logId: document.logId, treeSize, rootHash, time: new Date().toISOString(), keyId: 'a'.repeat(64), signature: 'AA==' },
      },
      events: [{ seq: 0, eventId: 'event-0', action: 'play', path: 'data/audit/events/000000000000.json', leafHash: hex(leaf), proof }],
    };
    const html = renderOfflineViewer({ document, recordings: [], proofs, events: [{ seq: 0, text }] });
    return new JSDOM(html, { runScripts: 'dangerously' });
  }

  /** The verdict on a one-event pack whose proof claims `proof` and `rootHash`. */
  function verdict(proof: Array<string>, rootHash: string, treeSize: number): string | null {
    const dom = rendered(proof, rootHash, treeSize);
    try {
      return dom.window.document.getElementById('proof-status')!.getAttribute('data-verified');
    } finally {
      dom.window.close();
    }
  }

  it('shows a genuine proof as verified', () => {
    const d = [leafHash(sha256, new TextEncoder().encode(event(0))), leafHash(sha256, new TextEncoder().encode(event(1)))];
    expect(verdict(inclusionProof(sha256, d, 0).map(hex), hex(rootFromLeafHashes(sha256, d)), 2)).toBe('true');
  });

  it('refuses an empty root, an empty path element and a non-hex one whose root was computed to match', () => {
    const leaf = leafHash(sha256, new TextEncoder().encode(event(0)));
    expect(verdict([], '', 1)).toBe('false');
    // Before the length checks, each of these verified: the forged root is the hash over the short sibling.
    expect(verdict([''], hex(sha256(new Uint8Array([1, ...leaf]))), 2)).toBe('false');
    expect(verdict(['zz'.repeat(32)], hex(nodeHash(sha256, leaf, new Uint8Array(32))), 2)).toBe('false');
    expect(verdict(['ab'], hex(nodeHash(sha256, leaf, Uint8Array.of(0xab))), 2)).toBe('false');
  });

  it('names who built the pack and who acted in each event: an officer by name, email and Genesys id; the service account by client and scheduler', () => {
    const service = { kind: 'service' as const, name: 'service account c-1', oauthClientId: 'c-1', scheduledBy: { genesysUserId: officer.genesysUserId, name: 'Olivia Adler', email: officer.email }, osAccount: 'svc' };
    for (const [text, who] of [
      [event(0), 'Olivia Adler <officer.a@sandbox.custody.test> (Genesys 0ff1ce00-0000-4000-8000-00000000000a) (officer)'],
      [event(0, service), 'service (client c-1) scheduled by Olivia Adler <officer.a@sandbox.custody.test> (Genesys 0ff1ce00-0000-4000-8000-00000000000a) (svc)'],
      [event(0, { osAccount: 'jdoe', name: 'Jane Doe' }), 'Jane Doe (jdoe)'],
    ] as const) {
      const dom = rendered([], '', 1, text);
      try {
        const page = dom.window.document;
        expect(page.getElementById('pack-summary')!.textContent).toContain('by Olivia Adler <officer.a@sandbox.custody.test> (Genesys 0ff1ce00-0000-4000-8000-00000000000a) on ws-1');
        expect(page.querySelector('#events tbody tr td:nth-child(4)')!.textContent).toBe(who);
      } finally {
        dom.window.close();
      }
    }
  });
});

describe("the offline viewer's trade timeline (jsdom)", () => {
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  const trade = { tradeId: 'T-1', executedAt: iso(now), trader: 'anna@example.com', clientAccount: 'ACC-1', instrument: 'EURUSD', side: 'buy' as const, quantity: '5000000', price: '1.0812', channel: 'voice' as const };
  const imported = { ...trade, source: { format: 'csv' as const, fileName: 'blotter.csv', fileSha256: 'a'.repeat(64), line: 2, raw: {} }, importedAt: iso(now), updatedAt: iso(now) };
  const proofs: PackProofs = {
    schema: 'custody.pack.proofs.v1',
    logId: 'log',
    hashAlgorithm: 'sha256',
    tree: 'RFC 9162',
    checkpoint: { path: 'data/audit/checkpoint.json', key: 'k', publicKey: 'data/keys/a.pem', value: { schema: 'custody.checkpoint.v1', logId: 'log', treeSize: 1, rootHash: '', time: iso(now), keyId: 'a'.repeat(64), signature: 'AA==' } },
    events: [],
  };
  const document: PackDocument = {
    schema: 'custody.pack.v1',
    packId: 'pack-1',
    caseReference: 'FCA-2026-0042',
    sourceOrganization: 'Test Firm',
    builtAt: iso(now),
    builtBy: { operator: 'Olivia Adler', osAccount: 'officer', workstation: 'ws-1' },
    custodyVersion: '0.1.0',
    exportEventId: 'event-0',
    exportEventSeq: 0,
    logId: 'log',
    signingKeyId: 'a'.repeat(64),
    trade: { tradeId: 'T-1', record: 'data/trade/trade.json', timeline: 'data/trade/timeline.json' },
    recordings: [],
  };
  const timelineCall = (id: string, startMs: number, linked: boolean, agentName: string) => ({
    conversationId: id,
    start: iso(startMs),
    end: iso(startMs + 120_000),
    agentName,
    queueName: 'FX',
    tradingId: linked ? 'T-1' : null,
    clientAccount: 'ACC-1',
    parties: ['trader' as const],
    linked,
    score: linked ? null : 40,
    reasons: linked ? [] : [{ kind: 'trader' as const, points: 40, text: 'the trader spoke on the call' }],
    recordings: [{ recordingId: `r-${id}`, start: iso(startMs), durationMs: 120_000 }],
  });
  const packed = (id: string) =>
    ({ recordingId: `r-${id}`, conversationId: id, startTime: iso(now), tradingId: null, clientAccount: 'ACC-1', agent: 'Anna Berg', source: 'genesys', wav: { path: `data/recordings/${id}/r-${id}.wav` } }) as unknown as Parameters<typeof renderOfflineViewer>[0]['recordings'][number];

  function page(calls: Array<ReturnType<typeof timelineCall>>) {
    const timeline = { schema: 'custody.timeline.v1' as const, tradeId: 'T-1', deskTimeZone: 'America/New_York', window: { from: iso(now - 30 * 60_000), to: iso(now + 5 * 60_000) }, execution: { at: iso(now), trade }, calls };
    const html = renderOfflineViewer({ document, recordings: calls.map((c) => packed(c.conversationId)), proofs, events: [], trade: imported, timeline });
    return new JSDOM(html, { runScripts: 'dangerously' });
  }

  it('draws the calls and the execution on one axis, in UTC and the desk zone, each call playable in place, linked ones marked; outside text stays text', () => {
    const dom = page([timelineCall('c-1', now - 20 * 60_000, false, '<img src=x onerror=alert(1)>'), timelineCall('c-2', now - 3 * 60_000, true, 'Anna Berg')]);
    try {
      const doc = dom.window.document;
      expect(doc.getElementById('timeline')!.hidden).toBe(false);
      expect(doc.title).toBe('Reconstruction of trade T-1 · case FCA-2026-0042');
      expect(doc.getElementById('desk-zone-heading')!.textContent).toBe('Start (America/New_York)');
      expect(doc.getElementById('trade-summary')!.textContent).toContain('(America/New_York)');
      expect(doc.querySelectorAll('[data-testid="timeline-call"]')).toHaveLength(2);
      expect(doc.querySelector('[data-testid="timeline-execution"]')).not.toBeNull();
      const rows = [...doc.querySelectorAll('#timeline-calls tbody tr')];
      expect(rows.map((r) => r.getAttribute('data-linked'))).toEqual(['false', 'true']);
      expect([...doc.querySelectorAll('[data-testid="timeline-audio"]')].map((a) => a.getAttribute('src'))).toEqual(['data/recordings/c-1/r-c-1.wav', 'data/recordings/c-2/r-c-2.wav']);
      expect(rows[0]!.textContent).toContain('<img src=x onerror=alert(1)>');
      expect(doc.querySelector('#timeline img')).toBeNull();
      expect(rows[0]!.textContent).toContain('score 40 (the trader spoke on the call)');
      expect(doc.querySelector('[data-testid="timeline-no-call"]')).toBeNull();
    } finally {
      dom.window.close();
    }
  });

  it('says so when the trade has no recorded call: the gap is what a regulator must see', () => {
    const dom = page([]);
    try {
      expect(dom.window.document.querySelector('[data-testid="timeline-no-call"]')!.textContent).toContain('No recorded call');
    } finally {
      dom.window.close();
    }
  });
});
