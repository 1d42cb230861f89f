import { describe, expect, it } from 'vitest';
import { RateLimiter, TokenStore } from '../../sandbox/auth';
import { FaultInjector, parseFaultConfig } from '../../sandbox/faults';
import { parseRange } from '../../sandbox/media';
import { MediaSigner } from '../../sandbox/media-signer';
import { peakInWindow } from '../../sandbox/stats';

describe('parseRange', () => {
  it('handles closed, open, suffix, clamped, unsatisfiable and unusable ranges', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=900-', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=-100', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=-5000', 1000)).toEqual({ start: 0, end: 999 });
    expect(parseRange('bytes=990-2000', 1000)).toEqual({ start: 990, end: 999 });
    expect(parseRange('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=50-10', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 1000)).toBe('unsatisfiable');
    expect(parseRange(undefined, 1000)).toBeNull();
    expect(parseRange('bytes=0-1,5-6', 1000)).toBeNull();
    expect(parseRange('items=0-1', 1000)).toBeNull();
  });
});

describe('peakInWindow', () => {
  it('finds the busiest sliding window', () => {
    expect(peakInWindow([], 1000)).toBe(0);
    expect(peakInWindow([0, 100, 900, 999, 1000, 1500, 5000], 1000)).toBe(4);
    expect(peakInWindow([0, 10, 20, 30_000, 59_999, 60_000], 60_000)).toBe(5);
  });
});

describe('MediaSigner', () => {
  it('round-trips grants and rejects tampered or foreign tokens', () => {
    const signer = new MediaSigner();
    const grant = { conversationId: 'c1', recordingId: 'r1', expiresAt: 1234, kind: 'playback' as const, fileName: 'audit-001' };
    const token = signer.sign(grant);
    expect(signer.verify(token)).toEqual(grant);
    const [payload, mac] = token.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ c: 'c1', r: 'r1', e: 9_999_999_999_999, k: 'playback' })).toString('base64url');
    expect(signer.verify(`${forged}.${mac}`)).toBeNull();
    expect(signer.verify(`${payload}.x${mac.slice(1)}`)).toBeNull();
    expect(new MediaSigner().verify(token)).toBeNull();
    expect(signer.verify('garbage')).toBeNull();
  });
});

describe('TokenStore and RateLimiter', () => {
  it('issues tokens that expire, dies with a revoked client, and limits creation per client', () => {
    let now = 1_000_000;
    const store = new TokenStore([{ clientId: 'a', clientSecret: 's' }], 60, 2, () => now);
    expect(store.checkClient('a', 's')).toBe('ok');
    expect(store.checkClient('a', 'x')).toBe('bad-secret');
    expect(store.checkClient('b', 's')).toBe('unknown');
    const { token, record } = store.issue('a');
    expect(record.tokenId).toMatch(/^[0-9a-f]{12}$/);
    expect(token).not.toContain(record.tokenId);
    expect(store.lookup(token).ok).toBe(true);
    now += 60_000;
    expect(store.lookup(token)).toEqual({ ok: false, reason: 'expired' });
    expect(store.reserveCreation('a')).toBe(0);
    expect(store.reserveCreation('a')).toBe(0);
    expect(store.reserveCreation('a')).toBe(60);
    now += 30_000;
    expect(store.reserveCreation('a')).toBe(30);
    const fresh = store.issue('a').token;
    store.revokeClient('a');
    expect(store.lookup(fresh).ok).toBe(false);
    expect(store.checkClient('a', 's')).toBe('revoked');
  });

  it('counts a fixed 60-second window per token', () => {
    let now = 0;
    const limiter = new RateLimiter(2, () => now);
    expect(limiter.consume('t')).toEqual({ allowed: true, limit: 2, count: 1, resetSeconds: 60 });
    now = 15_500;
    expect(limiter.consume('t')).toEqual({ allowed: true, limit: 2, count: 2, resetSeconds: 45 });
    expect(limiter.consume('t').allowed).toBe(false);
    expect(limiter.consume('u').allowed).toBe(true);
    now = 60_000;
    expect(limiter.consume('t')).toMatchObject({ allowed: true, count: 1 });
  });
});

describe('faults', () => {
  it('validates configurations and fires at the configured rate', () => {
    expect(() => parseFaultConfig({ nope: 1 })).toThrow(/unknown fault "nope"/);
    expect(() => parseFaultConfig({ slow: 1.5 })).toThrow(/between 0 and 1/);
    expect(() => parseFaultConfig([])).toThrow();
    const faults = new FaultInjector(1, { http5xx: 0.25 }, { minMs: 10, maxMs: 20 });
    let fired = 0;
    for (let i = 0; i < 4000; i += 1) if (faults.roll('http5xx')) fired += 1;
    expect(fired / 4000).toBeGreaterThan(0.22);
    expect(fired / 4000).toBeLessThan(0.28);
    expect(faults.roll('reset')).toBe(false);
    const delay = faults.slowDelayMs();
    expect(delay).toBeGreaterThanOrEqual(10);
    expect(delay).toBeLessThanOrEqual(20);
  });
});
