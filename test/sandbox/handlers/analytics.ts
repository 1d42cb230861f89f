import { randomUUID } from 'node:crypto';
import type { Models } from 'purecloud-platform-client-v2';
import type { SeedConversation, SeedParticipant, SeedSegment } from '../dataset';
import { badRequest, decodeCursor, encodeCursor, isRecord, notFound, parseInterval, queryInt, requireObject, SandboxHttpError } from '../http';
import { ANALYTICS_PERMISSIONS } from '../permissions';
import type { Route, SandboxContext } from '../routes';
import { analyticsConversationView } from '../views';

/** Conversation detail query (5.2) and detail jobs (5.3). */

const DAY_MS = 86_400_000;
const DETAILS_ROW_CAP = 10_000;

type Matcher = (conversation: Readonly<SeedConversation>) => boolean;

const CONVERSATION_DIMENSIONS: Record<string, (c: Readonly<SeedConversation>) => ReadonlyArray<string>> = {
  conversationId: (c) => [c.id],
  divisionId: (c) => c.divisionIds,
  originatingDirection: (c) => [c.direction],
};

type SegmentScope = { participant: Readonly<SeedParticipant>; segment: Readonly<SeedSegment> };

const SEGMENT_DIMENSIONS: Record<string, (s: SegmentScope) => ReadonlyArray<string>> = {
  queueId: ({ segment }) => (segment.queueId ? [segment.queueId] : []),
  userId: ({ participant }) => (participant.userId ? [participant.userId] : []),
  purpose: ({ participant }) => [participant.purpose],
  direction: ({ participant }) => [participant.direction],
  mediaType: () => ['voice'],
  segmentType: ({ segment }) => [segment.type],
  ani: ({ participant }) => [participant.ani],
  dnis: ({ participant }) => [participant.dnis],
  wrapUpCode: ({ segment }) => (segment.wrapUpCode ? [segment.wrapUpCode] : []),
};

type Predicate<T> = (scope: T) => boolean;

function compilePredicate<T>(raw: unknown, dimensions: Record<string, (scope: T) => ReadonlyArray<string>>, kind: string): Predicate<T> {
  if (!isRecord(raw)) throw badRequest(`Each ${kind} filter predicate must be an object.`);
  const type = raw.type ?? 'dimension';
  if (type !== 'dimension') {
    throw badRequest(`The sandbox supports only "dimension" predicates in ${kind} filters, got type "${String(type)}".`);
  }
  const dimension = typeof raw.dimension === 'string' ? raw.dimension : '';
  const read = dimensions[dimension];
  if (!read) {
    throw badRequest(`Unsupported ${kind} filter dimension "${dimension}". The sandbox supports: ${Object.keys(dimensions).join(', ')}.`);
  }
  const operator = raw.operator ?? 'matches';
  if (operator === 'exists') return (scope) => read(scope).length > 0;
  if (operator === 'notExists') return (scope) => read(scope).length === 0;
  if (operator !== 'matches') throw badRequest(`Unsupported predicate operator "${String(operator)}"; use matches, exists or notExists.`);
  if (typeof raw.value !== 'string') throw badRequest(`A "matches" predicate on ${dimension} needs a string value.`);
  const value = raw.value;
  return (scope) => read(scope).includes(value);
}

function compileFilter<T>(raw: unknown, dimensions: Record<string, (scope: T) => ReadonlyArray<string>>, kind: string): Predicate<T> {
  if (!isRecord(raw)) throw badRequest(`Each ${kind} filter must be an object.`);
  const combine = raw.type;
  if (combine !== 'and' && combine !== 'or') throw badRequest(`A ${kind} filter needs type "and" or "or".`);
  const predicates = Array.isArray(raw.predicates) ? raw.predicates : [];
  const clauses = Array.isArray(raw.clauses) ? raw.clauses : [];
  const parts: Array<Predicate<T>> = [
    ...predicates.map((p) => compilePredicate(p, dimensions, kind)),
    ...clauses.map((clause) => compileFilter(clause, dimensions, kind)),
  ];
  if (parts.length === 0) throw badRequest(`A ${kind} filter needs predicates or clauses.`);
  return combine === 'and' ? (scope) => parts.every((p) => p(scope)) : (scope) => parts.some((p) => p(scope));
}

/** conversationFilters and segmentFilters, each list ANDed; a segment filter matches when any segment satisfies it. */
export function compileConversationMatcher(body: Readonly<Record<string, unknown>>): Matcher {
  for (const unsupported of ['evaluationFilters', 'surveyFilters', 'resolutionFilters']) {
    const value = body[unsupported];
    if (Array.isArray(value) && value.length > 0) throw badRequest(`The sandbox does not support ${unsupported}.`);
  }
  const list = (name: string): Array<unknown> => {
    const value = body[name];
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw badRequest(`${name} must be an array.`);
    return value;
  };
  const conversationFilters = list('conversationFilters').map((f) => compileFilter(f, CONVERSATION_DIMENSIONS, 'conversation'));
  const segmentFilters = list('segmentFilters').map((f) => compileFilter(f, SEGMENT_DIMENSIONS, 'segment'));
  return (conversation) =>
    conversationFilters.every((f) => f(conversation)) &&
    segmentFilters.every((f) => conversation.participants.some((participant) => participant.segments.some((segment) => f({ participant, segment }))));
}

type Order = { direction: 'asc' | 'desc' | 'unordered'; by: 'start' | 'end' };

function parseOrder(body: Readonly<Record<string, unknown>>): Order {
  const order = body.order ?? 'asc';
  if (order !== 'asc' && order !== 'desc' && order !== 'unordered') throw badRequest(`order must be asc, desc or unordered, got ${JSON.stringify(order)}.`);
  const orderBy = body.orderBy ?? 'conversationStart';
  const by = orderBy === 'conversationStart' || orderBy === 'segmentStart' ? 'start' : orderBy === 'conversationEnd' || orderBy === 'segmentEnd' ? 'end' : null;
  if (!by) throw badRequest(`orderBy must be conversationStart, conversationEnd, segmentStart or segmentEnd, got ${JSON.stringify(orderBy)}.`);
  return { direction: order, by };
}

function sortConversations(conversations: Array<SeedConversation>, order: Order): Array<SeedConversation> {
  if (order.direction === 'unordered') return conversations;
  const key = (c: SeedConversation): string => (order.by === 'start' ? c.startTime : c.endTime);
  const sign = order.direction === 'asc' ? 1 : -1;
  return conversations.sort((a, b) => (key(a) === key(b) ? (a.id < b.id ? -1 : 1) : key(a) < key(b) ? -sign : sign));
}

function positiveInt(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SandboxHttpError(400, 'invalid.value', `${field} must be an integer between ${min} and ${max}, got ${JSON.stringify(value)}.`, [{ fieldName: field }]);
  }
  return value;
}

type DetailsJob = {
  id: string;
  clientId: string;
  submittedAt: number;
  cancelled: boolean;
  interval: { start: number; end: number };
  matches: Matcher;
  order: Order;
};

export function analyticsRoutes(ctx: SandboxContext): Array<Route> {
  const { settings } = ctx;
  const jobs = new Map<string, DetailsJob>();
  const anchorMs = Date.parse(ctx.dataset.anchor);
  const dataAvailabilityMs = anchorMs - settings.dataLakeLagMs;

  const jobFor = (jobId: string, clientId: string): DetailsJob => {
    const job = jobs.get(jobId);
    // Jobs belong to whoever submitted them; anyone else gets the same answer as for an unknown id.
    if (!job || job.clientId !== clientId) throw notFound(`Job ${jobId} not found.`);
    return job;
  };
  const jobState = (job: DetailsJob): string => {
    if (job.cancelled) return 'CANCELLED';
    const age = ctx.now() - job.submittedAt;
    return age >= settings.jobDelayMs ? 'FULFILLED' : age >= settings.jobDelayMs / 2 ? 'PENDING' : 'QUEUED';
  };

  return [
    {
      method: 'POST',
      template: '/analytics/conversations/details/query',
      permissions: ANALYTICS_PERMISSIONS,
      handle: ({ json }) => {
        const body = requireObject(json);
        const interval = parseInterval(body.interval);
        if (interval.end - interval.start > settings.detailsQueryMaxDays * DAY_MS) {
          throw badRequest(`The interval may not exceed ${settings.detailsQueryMaxDays} days; use the conversation details jobs for longer spans.`, [
            { fieldName: 'interval' },
          ]);
        }
        const paging = body.paging === undefined ? {} : requireObject(body.paging, 'paging');
        const pageSize = paging.pageSize === undefined ? 25 : positiveInt(paging.pageSize, 'paging.pageSize', 1, 100);
        const pageNumber = paging.pageNumber === undefined ? 1 : positiveInt(paging.pageNumber, 'paging.pageNumber', 1, 1_000_000);
        const offset = (pageNumber - 1) * pageSize;
        if (offset >= DETAILS_ROW_CAP) {
          throw badRequest(`A details query returns at most ${DETAILS_ROW_CAP} rows; narrow the interval or use an async job.`, [{ fieldName: 'paging' }]);
        }
        const matches = compileConversationMatcher(body);
        const order = parseOrder(body);
        // Documented semantics: conversations that started on a (UTC) day touched by the interval.
        const dayStart = Math.floor(interval.start / DAY_MS) * DAY_MS;
        const dayEnd = Math.ceil(interval.end / DAY_MS) * DAY_MS;
        const hits = sortConversations(
          ctx.dataset.conversations.filter((c) => {
            const start = Date.parse(c.startTime);
            return start >= dayStart && start < dayEnd && matches(c);
          }),
          order,
        );
        const page = hits.slice(offset, Math.min(offset + pageSize, DETAILS_ROW_CAP));
        const response: Models.AnalyticsConversationQueryResponse = { totalHits: hits.length };
        // Genesys leaves the key out, rather than sending [], when a page is empty.
        if (page.length > 0) response.conversations = page.map((c) => analyticsConversationView(c, false));
        return { status: 200, body: response };
      },
    },
    {
      method: 'POST',
      template: '/analytics/conversations/details/jobs',
      permissions: ANALYTICS_PERMISSIONS,
      handle: ({ json, clientId }) => {
        const body = requireObject(json);
        const job: DetailsJob = {
          id: randomUUID(),
          clientId,
          submittedAt: ctx.now(),
          cancelled: false,
          interval: parseInterval(body.interval),
          matches: compileConversationMatcher(body),
          order: parseOrder(body),
        };
        jobs.set(job.id, job);
        return { status: 202, body: { jobId: job.id } satisfies Models.AsyncQueryResponse };
      },
    },
    {
      method: 'GET',
      template: '/analytics/conversations/details/jobs/availability',
      permissions: ANALYTICS_PERMISSIONS,
      handle: () => ({ status: 200, body: { dataAvailabilityDate: new Date(dataAvailabilityMs).toISOString() } satisfies Models.DataAvailabilityResponse }),
    },
    {
      method: 'GET',
      template: '/analytics/conversations/details/jobs/{jobId}',
      permissions: ANALYTICS_PERMISSIONS,
      handle: ({ params, clientId }) => {
        const job = jobFor(params.jobId ?? '', clientId);
        const state = jobState(job);
        const body: Models.AsyncQueryStatus = {
          state,
          submissionDate: new Date(job.submittedAt).toISOString(),
          expirationDate: new Date(job.submittedAt + DAY_MS).toISOString(),
        };
        if (state === 'FULFILLED') body.completionDate = new Date(job.submittedAt + settings.jobDelayMs).toISOString();
        return { status: 200, body };
      },
    },
    {
      method: 'DELETE',
      template: '/analytics/conversations/details/jobs/{jobId}',
      permissions: ANALYTICS_PERMISSIONS,
      handle: ({ params, clientId }) => {
        jobFor(params.jobId ?? '', clientId).cancelled = true;
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      template: '/analytics/conversations/details/jobs/{jobId}/results',
      permissions: ANALYTICS_PERMISSIONS,
      handle: ({ params, query, clientId }) => {
        const job = jobFor(params.jobId ?? '', clientId);
        const state = jobState(job);
        if (state !== 'FULFILLED') throw badRequest(`Job ${job.id} has no results yet (state ${state}); poll the job until it is FULFILLED.`);
        const pageSize = queryInt(query, 'pageSize', 100, 1, 1000);
        const cursor = query.get('cursor');
        const offset = cursor ? Number(decodeCursor(cursor).offset) : 0;
        if (!Number.isInteger(offset) || offset < 0) throw badRequest('The cursor is not valid.');
        // Jobs read the data lake: conversations with any activity in the interval, up to the availability date.
        const hits = sortConversations(
          ctx.dataset.conversations.filter((c) => {
            const start = Date.parse(c.startTime);
            const end = Date.parse(c.endTime);
            return start < job.interval.end && end > job.interval.start && end <= dataAvailabilityMs && job.matches(c);
          }),
          job.order,
        );
        const page = hits.slice(offset, offset + pageSize);
        const body: Models.AnalyticsConversationAsyncQueryResponse = { dataAvailabilityDate: new Date(dataAvailabilityMs).toISOString() };
        if (page.length > 0) body.conversations = page.map((c) => analyticsConversationView(c, true));
        if (offset + pageSize < hits.length) body.cursor = encodeCursor({ offset: offset + pageSize });
        return { status: 200, body };
      },
    },
  ];
}
