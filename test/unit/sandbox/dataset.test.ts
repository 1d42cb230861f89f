import { describe, expect, it } from 'vitest';
import { defaultAnchor, generateDataset, wavSizeForDuration, type Dataset, type SeedConversation } from '../../sandbox/dataset';
import { createRng } from '../../sandbox/prng';

const ANCHOR = new Date('2026-11-26T23:59:00Z');
const DAY = 86_400_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const standard = (seed = 1): Dataset => generateDataset({ seed, anchor: ANCHOR, days: 30 });
const durationsMs = (dataset: Dataset): Array<number> => dataset.recordings.map((r) => r.durationMs);

describe('generateDataset', () => {
  it('is deterministic in (seed, anchor) and differs between seeds', () => {
    expect(JSON.stringify(standard(7))).toBe(JSON.stringify(standard(7)));
    expect(standard(7).conversations[0]?.id).not.toBe(standard(8).conversations[0]?.id);
    const shifted = generateDataset({ seed: 7, anchor: new Date(ANCHOR.getTime() + DAY), days: 30 });
    expect(shifted.conversations.map((c) => c.id).sort()).toEqual(standard(7).conversations.map((c) => c.id).sort());
    expect(shifted.conversations[0]?.startTime).not.toBe(standard(7).conversations[0]?.startTime);
  });

  it('has 240 conversations by default, 6 agents, 3 queues (two trading) and uuid-shaped ids', () => {
    const dataset = standard();
    expect(dataset.conversations).toHaveLength(240);
    expect(dataset.agents).toHaveLength(6);
    expect(new Set(dataset.agents.map((a) => a.email)).size).toBe(6);
    expect(dataset.queues.map((q) => [q.name, q.trading])).toEqual([
      ['FX Spot Desk', true],
      ['Rates Desk', true],
      ['Client Services', false],
    ]);
    const ids = [
      ...dataset.agents.map((a) => a.id),
      ...dataset.queues.map((q) => q.id),
      ...dataset.conversations.flatMap((c) => [c.id, ...c.participants.map((p) => p.id), ...c.recordings.map((r) => r.id)]),
    ];
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('spreads calls over the days before the anchor, sorted, mostly in business hours, in both directions', () => {
    const dataset = standard();
    const starts = dataset.conversations.map((c) => Date.parse(c.startTime));
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    for (const conversation of dataset.conversations) {
      expect(Date.parse(conversation.startTime)).toBeGreaterThanOrEqual(ANCHOR.getTime() - 30 * DAY);
      expect(Date.parse(conversation.endTime)).toBeLessThan(ANCHOR.getTime());
    }
    const businessHours = dataset.conversations.filter((c) => {
      const hour = new Date(c.startTime).getUTCHours();
      const weekday = new Date(c.startTime).getUTCDay();
      return hour >= 7 && hour < 18 && weekday >= 1 && weekday <= 5;
    });
    expect(businessHours.length / dataset.conversations.length).toBeGreaterThan(0.7);
    const inbound = dataset.conversations.filter((c) => c.direction === 'inbound').length;
    expect(inbound).toBeGreaterThan(60);
    expect(dataset.conversations.length - inbound).toBeGreaterThan(40);
    expect(new Set(dataset.conversations.map((c) => c.startTime.slice(0, 10))).size).toBeGreaterThan(20);
  });

  it('gives each call a client-side participant, an agent with a userId and, inbound, an acd participant with the queue', () => {
    for (const conversation of standard().conversations) {
      const purposes = conversation.participants.map((p) => p.purpose);
      expect(purposes).toEqual(conversation.direction === 'inbound' ? ['customer', 'acd', 'agent'] : ['agent', 'external']);
      const agent = conversation.participants.find((p) => p.purpose === 'agent');
      expect(agent?.userId).toBe(conversation.agentId);
      expect(agent?.segments.some((s) => s.type === 'interact' && s.queueId === conversation.queueId)).toBe(true);
      const acd = conversation.participants.find((p) => p.purpose === 'acd');
      if (acd) expect(acd.queueId).toBe(conversation.queueId);
    }
  });

  it('tags most trading calls with trading_id and client_account, leaves some untagged and non-trading calls bare', () => {
    const dataset = standard();
    const attributesOf = (c: SeedConversation): Record<string, string> =>
      c.participants.find((p) => p.purpose === 'customer' || p.purpose === 'external')?.attributes ?? {};
    const trading = dataset.conversations.filter((c) => c.trading);
    const fullyTagged = trading.filter((c) => attributesOf(c).trading_id && attributesOf(c).client_account);
    expect(fullyTagged.length / trading.length).toBeGreaterThan(0.8);
    expect(fullyTagged.length / trading.length).toBeLessThan(0.97);
    expect(trading.some((c) => !attributesOf(c).trading_id && attributesOf(c).client_account)).toBe(true);
    for (const conversation of dataset.conversations.filter((c) => !c.trading)) {
      for (const participant of conversation.participants) expect(participant.attributes).toEqual({});
    }
    for (const conversation of fullyTagged) {
      expect(attributesOf(conversation).trading_id).toMatch(/^T-\d{8}-\d{4}$/);
      // A follow-up call carries the trading id of the earlier call, dated that day.
      if (!conversation.followUpOf) expect(attributesOf(conversation).trading_id?.slice(2, 10)).toBe(conversation.startTime.slice(0, 10).replace(/-/g, ''));
      expect(attributesOf(conversation).client_account).toMatch(/^ACC-1\d{5}$/);
      expect(attributesOf(conversation)).toEqual({ trading_id: conversation.tradingId, client_account: conversation.clientAccount });
    }
    // Only the client-side participant carries attributes.
    for (const conversation of dataset.conversations) {
      for (const participant of conversation.participants.filter((p) => p.purpose === 'agent' || p.purpose === 'acd')) expect(participant.attributes).toEqual({});
    }
  });

  it('reuses some trading ids on a follow-up call (twice at most) and shares client accounts across calls', () => {
    const dataset = standard();
    const byTradingId = new Map<string, Array<SeedConversation>>();
    for (const c of dataset.conversations) if (c.tradingId) byTradingId.set(c.tradingId, [...(byTradingId.get(c.tradingId) ?? []), c]);
    const repeated = [...byTradingId.values()].filter((list) => list.length > 1);
    expect(repeated.length).toBeGreaterThanOrEqual(2);
    for (const [first, second, third] of repeated) {
      expect(third).toBeUndefined();
      expect(second?.followUpOf).toBe(first?.id);
      expect(second?.client.account).toBe(first?.client.account);
    }
    const accountUse = new Map<string, number>();
    for (const c of dataset.conversations) if (c.clientAccount) accountUse.set(c.clientAccount, (accountUse.get(c.clientAccount) ?? 0) + 1);
    expect([...accountUse.values()].filter((n) => n >= 3).length).toBeGreaterThan(5);
  });

  it('draws recording durations between 20 s and 45 min, mostly 1-5 min, with a few calls over 30 min', () => {
    const all = [1, 2, 3].flatMap((seed) => durationsMs(standard(seed)));
    expect(Math.min(...all)).toBeGreaterThanOrEqual(20_000);
    expect(Math.max(...all)).toBeLessThanOrEqual(45 * 60_000);
    expect(all.filter((d) => d >= 60_000 && d <= 300_000).length / all.length).toBeGreaterThan(0.6);
    const long = all.filter((d) => d > 30 * 60_000).length;
    expect(long).toBeGreaterThanOrEqual(3);
    expect(long / all.length).toBeLessThan(0.05);
  });

  it('gives each conversation one recording, a few two, with consistent recording fields', () => {
    const dataset = standard();
    const counts = dataset.conversations.map((c) => c.recordings.length);
    expect(counts.every((n) => n === 1 || n === 2)).toBe(true);
    expect(counts.filter((n) => n === 2).length).toBeGreaterThanOrEqual(3);
    expect(counts.filter((n) => n === 2).length / counts.length).toBeLessThan(0.15);
    for (const conversation of dataset.conversations) {
      for (const recording of conversation.recordings) {
        expect(recording.conversationId).toBe(conversation.id);
        expect(Date.parse(recording.endTime) - Date.parse(recording.startTime)).toBe(recording.durationMs);
        expect(Date.parse(recording.startTime)).toBeGreaterThanOrEqual(Date.parse(conversation.startTime));
        expect(Date.parse(recording.endTime)).toBeLessThanOrEqual(Date.parse(conversation.endTime));
        expect(recording.sizeBytes).toBe(44 + recording.durationMs * 32);
        expect(Date.parse(recording.deleteDate)).toBeGreaterThan(Date.parse(recording.archiveDate));
        if (recording.fileState === 'ARCHIVED') {
          expect(Date.parse(recording.archiveDate)).toBeLessThan(ANCHOR.getTime());
          expect(recording.transcodeOnFirstRequest).toBe(false);
        } else {
          expect(Date.parse(recording.archiveDate)).toBeGreaterThan(ANCHOR.getTime());
        }
      }
    }
    const archived = dataset.recordings.filter((r) => r.fileState === 'ARCHIVED').length;
    expect(archived).toBeGreaterThan(0);
    expect(archived / dataset.recordings.length).toBeLessThan(0.08);
    const transcoding = dataset.recordings.filter((r) => r.transcodeOnFirstRequest).length / dataset.recordings.length;
    expect(transcoding).toBeGreaterThan(0.1);
    expect(transcoding).toBeLessThan(0.3);
  });

  it('keeps trading recordings at least 1825 days, per the MiFID II policy', () => {
    const dataset = standard();
    const trading = dataset.retentionPolicies.find((p) => p.enabled && p.name.includes('MiFID'));
    expect(trading?.deleteDays).toBeGreaterThanOrEqual(1825);
    for (const conversation of dataset.conversations.filter((c) => c.trading)) {
      for (const recording of conversation.recordings) {
        expect(Date.parse(recording.deleteDate) - Date.parse(recording.creationTime)).toBe((trading?.deleteDays ?? 0) * DAY);
      }
    }
  });

  it('bulk mode makes exactly N short recordings', () => {
    const bulk = generateDataset({ seed: 3, anchor: ANCHOR, days: 30, recordings: 1500 });
    expect(bulk.mode).toBe('bulk');
    expect(bulk.recordings).toHaveLength(1500);
    for (const duration of durationsMs(bulk)) {
      expect(duration).toBeGreaterThanOrEqual(2000);
      expect(duration).toBeLessThanOrEqual(6000);
    }
    expect(bulk.conversations.some((c) => c.recordings.length === 2)).toBe(true);
  });

  it('rejects nonsense options with clear errors', () => {
    expect(() => generateDataset({ seed: 1.5, anchor: ANCHOR, days: 30 })).toThrow(/seed/);
    expect(() => generateDataset({ seed: 1, anchor: new Date('nope'), days: 30 })).toThrow(/anchor/);
    expect(() => generateDataset({ seed: 1, anchor: ANCHOR, days: 0 })).toThrow(/days/);
    expect(() => generateDataset({ seed: 1, anchor: ANCHOR, days: 30, recordings: 0 })).toThrow(/recordings/);
  });

  it('defaults the anchor to now (to the minute) and sizes WAVs from the duration', () => {
    expect(defaultAnchor(new Date('2026-03-04T10:11:12.345Z')).toISOString()).toBe('2026-03-04T10:11:00.000Z');
    expect(wavSizeForDuration(1000)).toBe(44 + 32_000);
  });
});

describe('createRng', () => {
  it('repeats for a seed and stays in range', () => {
    const a = createRng(42);
    const b = createRng(42);
    const values = Array.from({ length: 1000 }, () => a.next());
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(values);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const ints = Array.from({ length: 1000 }, () => a.int(3, 5));
    expect(new Set(ints)).toEqual(new Set([3, 4, 5]));
  });
});
