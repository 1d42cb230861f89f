import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedConversation } from '../../sandbox/dataset';
import { SANDBOX_CLIENT, startSandbox, type Sandbox } from '../../sandbox/server';
import { apis, call, failure, loggedInClient, type SdkClient } from './sdk';

const DAY = 86_400_000;
const ANCHOR = new Date('2026-11-20T23:59:00Z');
const OTHER_CLIENT = { clientId: 'another-oauth-client', clientSecret: 'another-secret' };

type Row = Record<string, unknown>;
type Participant = { participantId: string; purpose: string; userId?: string; attributes?: Record<string, string>; sessions: Array<Session> };
type Session = { sessionId: string; recording?: boolean; segments: Array<{ segmentType: string; queueId?: string }> };
type AnalyticsConversation = { conversationId: string; conversationStart: string; participants: Array<Participant> };

let sandbox: Sandbox;
let client: SdkClient;
let api: ReturnType<typeof apis>;

beforeAll(async () => {
  // Dense enough that attribute-search windows need more than one cursor page.
  sandbox = await startSandbox({
    anchor: ANCHOR,
    conversations: 1200,
    days: 10,
    audioEngine: 'tones',
    jobDelayMs: 300,
    rateLimitPerMinute: 100_000,
    clients: [SANDBOX_CLIENT, OTHER_CLIENT],
  });
  client = await loggedInClient(sandbox);
  api = apis(client);
});
afterAll(async () => {
  await sandbox.close();
});

const iso = (ms: number): string => new Date(ms).toISOString();
const hasAttributes = (c: SeedConversation): boolean => c.participants.some((p) => Object.keys(p.attributes).length > 0);

describe('directory paging', () => {
  it('pages queues and users with the EntityListing envelope', async () => {
    const first = await call<Row>(api.routing.getRoutingQueues({ pageSize: 2, pageNumber: 1 }));
    expect(first.body).toMatchObject({ pageSize: 2, pageNumber: 1, total: 3, pageCount: 2 });
    expect(first.body.nextUri).toBe('/api/v2/routing/queues?pageSize=2&pageNumber=2');
    const second = await call<{ entities: Array<{ name: string }> }>(api.routing.getRoutingQueues({ pageSize: 2, pageNumber: 2 }));
    expect(second.body.entities).toHaveLength(1);
    const names = [...((first.body.entities as Array<{ name: string }>) ?? []), ...second.body.entities].map((q) => q.name);
    expect(names.sort()).toEqual(['Client Services', 'FX Spot Desk', 'Rates Desk']);
    const fx = await call<{ entities: Array<{ name: string }> }>(api.routing.getRoutingQueues({ name: 'fx*' }));
    expect(fx.body.entities.map((q) => q.name)).toEqual(['FX Spot Desk']);

    const users = await call<{ entities: Array<{ id: string; email: string }>; total: number; pageCount: number }>(api.users.getUsers({ pageSize: 4 }));
    expect(users.body.total).toBe(6);
    expect(users.body.pageCount).toBe(2);
    expect(users.body.entities[0]?.email).toMatch(/@meridian-capital\.example$/);
    const lastPage = await call<{ entities: Array<unknown> }>(api.users.getUsers({ pageSize: 4, pageNumber: 2 }));
    expect(lastPage.body.entities).toHaveLength(2);
  });
});

describe('POST /analytics/conversations/details/query', () => {
  const end = ANCHOR.getTime();
  const start = end - 7 * DAY;
  const interval = `${iso(start)}/${iso(end)}`;
  // Documented semantics: conversations that started on a UTC day touched by the interval.
  const expected = () => sandbox.dataset.conversations.filter((c) => Date.parse(c.startTime) >= Math.floor(start / DAY) * DAY);

  it('pages through every conversation of the interval, in start order, with no participant attributes', async () => {
    const seen: Array<AnalyticsConversation> = [];
    let totalHits: number;
    for (let page = 1; ; page += 1) {
      const response = await call<{ conversations?: Array<AnalyticsConversation>; totalHits: number }>(
        api.analytics.postAnalyticsConversationsDetailsQuery({ interval, paging: { pageSize: 100, pageNumber: page } }),
      );
      totalHits = response.body.totalHits;
      if (!response.body.conversations) break;
      expect(response.body.conversations.length).toBeLessThanOrEqual(100);
      seen.push(...response.body.conversations);
    }
    expect(seen.map((c) => c.conversationId)).toEqual(expected().map((c) => c.id));
    expect(totalHits).toBe(expected().length);
    expect(seen.some((c) => Date.parse(c.conversationStart) < start)).toBe(true);
    for (const conversation of seen) {
      for (const participant of conversation.participants) expect(participant.attributes).toBeUndefined();
      const agent = conversation.participants.find((p) => p.purpose === 'agent');
      expect(agent?.userId).toBeDefined();
      expect(agent?.sessions[0]?.recording).toBe(true);
      expect(agent?.sessions[0]?.segments.some((s) => s.segmentType === 'interact' && s.queueId)).toBe(true);
    }
  });

  it('defaults to 25 rows a page and leaves out `conversations` on an empty page', async () => {
    const first = await call<{ conversations: Array<unknown> }>(api.analytics.postAnalyticsConversationsDetailsQuery({ interval }));
    expect(first.body.conversations).toHaveLength(25);
    const beyond = await call<Row>(api.analytics.postAnalyticsConversationsDetailsQuery({ interval, paging: { pageSize: 100, pageNumber: 99 } }));
    expect(beyond.body).toEqual({ totalHits: expected().length });
  });

  it('filters on the queueId segment dimension and the conversationId conversation dimension', async () => {
    const rates = sandbox.dataset.queues.find((q) => q.name === 'Rates Desk');
    const byQueue = await call<{ totalHits: number; conversations: Array<AnalyticsConversation> }>(
      api.analytics.postAnalyticsConversationsDetailsQuery({
        interval,
        order: 'desc',
        paging: { pageSize: 100, pageNumber: 1 },
        segmentFilters: [{ type: 'or', predicates: [{ type: 'dimension', dimension: 'queueId', operator: 'matches', value: rates?.id }] }],
      }),
    );
    const ratesCalls = expected().filter((c) => c.queueId === rates?.id);
    expect(byQueue.body.totalHits).toBe(ratesCalls.length);
    expect(byQueue.body.conversations[0]?.conversationId).toBe(ratesCalls[ratesCalls.length - 1]?.id);

    const target = expected()[3] as SeedConversation;
    const byId = await call<{ totalHits: number; conversations: Array<AnalyticsConversation> }>(
      api.analytics.postAnalyticsConversationsDetailsQuery({
        interval,
        conversationFilters: [{ type: 'and', predicates: [{ dimension: 'conversationId', value: target.id }] }],
      }),
    );
    expect(byId.body.conversations.map((c) => c.conversationId)).toEqual([target.id]);
  });

  it('rejects intervals over 7 days, oversized pages and unsupported dimensions with 400', async () => {
    const tooLong = await failure(api.analytics.postAnalyticsConversationsDetailsQuery({ interval: `${iso(end - 8 * DAY)}/${iso(end)}` }));
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.message).toMatch(/7 days/);
    const bigPage = await failure(api.analytics.postAnalyticsConversationsDetailsQuery({ interval, paging: { pageSize: 101, pageNumber: 1 } }));
    expect(bigPage.status).toBe(400);
    const badDimension = await failure(
      api.analytics.postAnalyticsConversationsDetailsQuery({
        interval,
        segmentFilters: [{ type: 'and', predicates: [{ dimension: 'flowId', value: 'x' }] }],
      }),
    );
    expect(badDimension.status).toBe(400);
    expect(badDimension.body.message).toContain('flowId');
    const noInterval = await failure(api.analytics.postAnalyticsConversationsDetailsQuery({} as never));
    expect(noInterval.status).toBe(400);
  });
});

describe('analytics conversation details jobs', () => {
  it('accepts a months-long job with 202, fulfils it after a delay and serves cursor pages with attributes', async () => {
    const interval = `${iso(ANCHOR.getTime() - 90 * DAY)}/${iso(ANCHOR.getTime())}`;
    const submitted = await call<{ jobId: string }>(api.analytics.postAnalyticsConversationsDetailsJobs({ interval }));
    expect(submitted.status).toBe(202);
    const jobId = submitted.body.jobId;
    const queued = await call<{ state: string }>(api.analytics.getAnalyticsConversationsDetailsJob(jobId));
    expect(queued.body.state).toBe('QUEUED');
    expect((await failure(api.analytics.getAnalyticsConversationsDetailsJobResults(jobId, {}))).status).toBe(400);

    let state = queued.body.state;
    for (let poll = 0; poll < 20 && state !== 'FULFILLED'; poll += 1) {
      await sleep(100);
      state = (await call<{ state: string }>(api.analytics.getAnalyticsConversationsDetailsJob(jobId))).body.state;
    }
    expect(state).toBe('FULFILLED');

    const availability = ANCHOR.getTime() - 4 * 3_600_000;
    const rows: Array<AnalyticsConversation> = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await call<{ conversations?: Array<AnalyticsConversation>; cursor?: string; dataAvailabilityDate: string }>(
        api.analytics.getAnalyticsConversationsDetailsJobResults(jobId, { pageSize: 400, ...(cursor ? { cursor } : {}) }),
      );
      expect(page.body.dataAvailabilityDate).toBe(iso(availability));
      rows.push(...(page.body.conversations ?? []));
      cursor = page.body.cursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBeGreaterThan(1);
    const expected = sandbox.dataset.conversations.filter((c) => Date.parse(c.endTime) <= availability);
    expect(rows.map((c) => c.conversationId)).toEqual(expected.map((c) => c.id));
    const tagged = expected.find((c) => c.tradingId && c.clientAccount) as SeedConversation;
    const row = rows.find((r) => r.conversationId === tagged.id);
    const external = row?.participants.find((p) => p.purpose === 'customer' || p.purpose === 'external');
    expect(external?.attributes).toEqual({ trading_id: tagged.tradingId, client_account: tagged.clientAccount });
  });

  it('keeps jobs private to the OAuth client that submitted them', async () => {
    const submitted = await call<{ jobId: string }>(
      api.analytics.postAnalyticsConversationsDetailsJobs({ interval: `${iso(ANCHOR.getTime() - DAY)}/${iso(ANCHOR.getTime())}` }),
    );
    const sameClient = await loggedInClient(sandbox);
    expect((await call(apis(sameClient).analytics.getAnalyticsConversationsDetailsJob(submitted.body.jobId))).status).toBe(200);
    const otherClient = await loggedInClient(sandbox, OTHER_CLIENT);
    expect((await failure(apis(otherClient).analytics.getAnalyticsConversationsDetailsJob(submitted.body.jobId))).status).toBe(404);
    expect((await failure(api.analytics.getAnalyticsConversationsDetailsJob('00000000-0000-4000-8000-000000000000'))).status).toBe(404);
  });
});

describe('POST /conversations/participants/attributes/search', () => {
  const dayStart = Date.UTC(2026, 10, 18); // a Wednesday inside the dataset
  const window = { type: 'DATE_RANGE', fields: ['startTime'], startValue: iso(dayStart), endValue: iso(dayStart + DAY) };
  type SearchRow = {
    conversationId: string;
    startTime: string;
    endTime: string;
    divisionIds: Array<string>;
    participantData: Array<{ participantPurpose: string; participantAttributes: Record<string, string>; participantId: string; sessionIds: Array<string> }>;
    truncatedData: boolean;
  };
  const search = (body: Record<string, unknown>) => api.conversations.postConversationsParticipantsAttributesSearch(body as never);

  it('pages a 24-hour startTime window by cursor, returning only conversations that carry attributes', async () => {
    const rows: Array<SearchRow> = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await call<{ types: Array<string>; results: Array<SearchRow>; cursor?: string }>(search({ query: [window], ...(cursor ? { cursor } : {}) }));
      expect(page.body.results.length).toBeLessThanOrEqual(50);
      rows.push(...page.body.results);
      cursor = page.body.cursor;
      pages += 1;
    } while (cursor);
    const expected = sandbox.dataset.conversations.filter((c) => {
      const start = Date.parse(c.startTime);
      return start >= dayStart && start <= dayStart + DAY && hasAttributes(c);
    });
    expect(pages).toBeGreaterThan(1);
    expect(rows.map((r) => r.conversationId)).toEqual(expected.map((c) => c.id));
    const untagged = sandbox.dataset.conversations.filter((c) => Date.parse(c.startTime) >= dayStart && Date.parse(c.startTime) < dayStart + DAY && !hasAttributes(c));
    expect(untagged.length).toBeGreaterThan(0);

    const sample = expected.find((c) => c.tradingId && c.clientAccount) as SeedConversation;
    const row = rows.find((r) => r.conversationId === sample.id) as SearchRow;
    const external = sample.participants.find((p) => Object.keys(p.attributes).length > 0);
    expect(row).toEqual({
      conversationId: sample.id,
      startTime: sample.startTime,
      endTime: sample.endTime,
      divisionIds: sample.divisionIds,
      participantData: [
        {
          participantPurpose: external?.purpose,
          participantAttributes: { trading_id: sample.tradingId, client_account: sample.clientAccount },
          participantId: external?.id,
          sessionIds: [external?.sessionId],
        },
      ],
      truncatedData: false,
    });
  });

  it('narrows by conversationId and divisionId', async () => {
    const target = sandbox.dataset.conversations.find((c) => Date.parse(c.startTime) >= dayStart && hasAttributes(c)) as SeedConversation;
    const one = await call<{ results: Array<SearchRow> }>(
      search({ query: [window, { type: 'EXACT', fields: ['conversationId'], value: target.id }] }),
    );
    expect(one.body.results.map((r) => r.conversationId)).toEqual([target.id]);
    const wrongDivision = await call<{ results: Array<SearchRow> }>(
      search({ query: [window, { type: 'EXACT', fields: ['divisionId'], value: '00000000-0000-4000-8000-000000000000' }] }),
    );
    expect(wrongDivision.body.results).toEqual([]);
  });

  it('rejects attribute criteria and other unsupported searches with 400 "Search not supported."', async () => {
    const unsupported = [
      { query: [{ type: 'EXACT', fields: ['trading_id'], value: 'T-20261118-0042' }] },
      { query: [window, { type: 'EXACT', fields: ['participantData.trading_id'], value: 'T-20261118-0042' }] },
      { query: [{ type: 'DATE_RANGE', fields: ['segments.start'], startValue: window.startValue, endValue: window.endValue }] },
      { query: [window, window] },
      { query: [] },
      {},
    ];
    for (const body of unsupported) {
      const error = await failure(search(body));
      expect(error.status).toBe(400);
      expect(error.body).toMatchObject({ message: 'Search not supported.', code: 'bad.request', contextId: error.headers['inin-correlation-id'] });
    }
    const tooWide = await failure(search({ query: [{ ...window, endValue: iso(dayStart + DAY + 1000) }] }));
    expect(tooWide.status).toBe(400);
    expect(tooWide.body.message).toMatch(/24 hours/);
  });

  it('forgets conversations older than 30 days before the anchor', async () => {
    const older = await startSandbox({ anchor: ANCHOR, days: 40, audioEngine: 'tones' });
    try {
      const searcher = apis(await loggedInClient(older)).conversations;
      const old = older.dataset.conversations.find((c) => Date.parse(c.startTime) < ANCHOR.getTime() - 31 * DAY && hasAttributes(c));
      if (!old) throw new Error('the 40-day dataset has no tagged call older than 31 days');
      const start = Date.parse(old.startTime) - 3_600_000;
      const query = { query: [{ type: 'DATE_RANGE', fields: ['startTime'], startValue: iso(start), endValue: iso(start + 2 * 3_600_000) }] };
      expect((await call(searcher.getConversation(old.id))).status).toBe(200);
      const response = await call<{ results: Array<unknown> }>(searcher.postConversationsParticipantsAttributesSearch(query as never));
      expect(response.body.results).toEqual([]);
    } finally {
      await older.close();
    }
  });
});

describe('conversation and recording metadata by id', () => {
  it('returns the conversation with every participant and the attributes', async () => {
    const target = sandbox.dataset.conversations.find((c) => c.tradingId && c.direction === 'inbound') as SeedConversation;
    const response = await call<{ id: string; participants: Array<{ purpose: string; attributes: Record<string, string>; userId?: string }> }>(
      api.conversations.getConversation(target.id),
    );
    expect(response.body.id).toBe(target.id);
    expect(response.body.participants.map((p) => p.purpose)).toEqual(['customer', 'acd', 'agent']);
    expect(response.body.participants[0]?.attributes.trading_id).toBe(target.tradingId);
    expect(response.body.participants[2]?.userId).toBe(target.agentId);
    const missing = await failure(api.conversations.getConversation('00000000-0000-4000-8000-000000000000'));
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('not.found');
  });

  it('lists recording metadata without media or start times, and one recording by id', async () => {
    const target = sandbox.dataset.conversations.find((c) => c.recordings.length === 2) as SeedConversation;
    const list = await call<Array<Row>>(api.recording.getConversationRecordingmetadata(target.id));
    expect(list.body.map((r) => r.id)).toEqual(target.recordings.map((r) => r.id));
    const first = list.body[0] as Row;
    expect(first).toMatchObject({
      conversationId: target.id,
      media: 'audio',
      fileState: target.recordings[0]?.fileState,
      archiveDate: target.recordings[0]?.archiveDate,
      deleteDate: target.recordings[0]?.deleteDate,
      maxAllowedRestorationsForOrg: 10000,
      region: 'eu-west-2',
    });
    expect(first.startTime).toBeUndefined();
    expect(first.mediaUris).toBeUndefined();
    const single = await call<Row>(api.recording.getConversationRecordingmetadataRecordingId(target.id, target.recordings[1]?.id ?? ''));
    expect(single.body.id).toBe(target.recordings[1]?.id);
    expect((await failure(api.recording.getConversationRecordingmetadataRecordingId(target.id, 'nope'))).status).toBe(404);
  });
});
