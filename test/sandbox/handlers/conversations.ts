import { createHash } from 'node:crypto';
import type { Models } from 'purecloud-platform-client-v2';
import type { SeedConversation } from '../dataset';
import { badRequest, decodeCursor, encodeCursor, isRecord, notFound, parseInstant, requireObject } from '../http';
import type { Route, SandboxContext } from '../routes';
import { attributeSearchRow, conversationView, recordingMetadataView } from '../views';
import { RECORDING_VIEW_PERMISSIONS } from '../permissions';

/** Participant-attribute search (5.1), conversation by id (5.4) and recording metadata (5.7). */

const DAY_MS = 86_400_000;
const SEARCH_WINDOW_MAX_MS = DAY_MS;
const SEARCH_PAGE_ROWS = 50;

const searchNotSupported = () => badRequest('Search not supported.');

type SearchCriteria = {
  start: number;
  end: number;
  endTimeRange?: { start: number; end: number };
  conversationIds?: Set<string>;
  divisionIds?: Set<string>;
};

function exactValues(criterion: Readonly<Record<string, unknown>>): Set<string> {
  const values = Array.isArray(criterion.values) ? criterion.values : criterion.value !== undefined ? [criterion.value] : [];
  if (values.length === 0 || values.some((v) => typeof v !== 'string')) throw searchNotSupported();
  return new Set(values as Array<string>);
}

function dateRange(criterion: Readonly<Record<string, unknown>>, field: string): { start: number; end: number } {
  const start = parseInstant(criterion.startValue, `${field} startValue`);
  const end = parseInstant(criterion.endValue, `${field} endValue`);
  if (end <= start) throw badRequest(`The ${field} date range must end after it starts.`);
  return { start, end };
}

/**
 * What the live service accepts (per the reference, 5.1): one DATE_RANGE on startTime, optionally narrowed by
 * endTime, conversationId or divisionId. Anything else, including any attribute criterion, is "Search not supported."
 */
function parseSearch(body: Readonly<Record<string, unknown>>): SearchCriteria {
  const query = body.query;
  if (!Array.isArray(query) || query.length === 0) throw searchNotSupported();
  const criteria: Partial<SearchCriteria> = {};
  for (const raw of query) {
    if (!isRecord(raw) || raw.group !== undefined || (raw.operator !== undefined && raw.operator !== 'AND')) throw searchNotSupported();
    const fields = raw.fields;
    if (!Array.isArray(fields) || fields.length !== 1 || typeof fields[0] !== 'string') throw searchNotSupported();
    const field = fields[0];
    if (raw.type === 'DATE_RANGE' && field === 'startTime' && criteria.start === undefined) {
      const range = dateRange(raw, 'startTime');
      criteria.start = range.start;
      criteria.end = range.end;
    } else if (raw.type === 'DATE_RANGE' && field === 'endTime' && !criteria.endTimeRange) {
      criteria.endTimeRange = dateRange(raw, 'endTime');
    } else if (raw.type === 'EXACT' && field === 'conversationId' && !criteria.conversationIds) {
      criteria.conversationIds = exactValues(raw);
    } else if (raw.type === 'EXACT' && field === 'divisionId' && !criteria.divisionIds) {
      criteria.divisionIds = exactValues(raw);
    } else {
      throw searchNotSupported();
    }
  }
  if (criteria.start === undefined || criteria.end === undefined) throw searchNotSupported();
  if (criteria.end - criteria.start > SEARCH_WINDOW_MAX_MS) {
    throw badRequest('The startTime date range may not exceed 24 hours.', [{ fieldName: 'startTime' }]);
  }
  return criteria as SearchCriteria;
}

export function conversationRoutes(ctx: SandboxContext): Array<Route> {
  const { world, dataset } = ctx;
  const retentionStart = Date.parse(dataset.anchor) - ctx.settings.attributeSearchRetentionDays * DAY_MS;
  // Only conversations that carry participant attributes are indexed.
  const indexed = dataset.conversations.filter((c) => c.participants.some((p) => Object.keys(p.attributes).length > 0));

  const conversationOr404 = (conversationId: string): SeedConversation => {
    const conversation = world.conversations.get(conversationId);
    if (!conversation) throw notFound(`Conversation ${conversationId} not found.`);
    return conversation;
  };

  return [
    {
      method: 'POST',
      template: '/conversations/participants/attributes/search',
      permissions: ['conversation:participant:attributesview'],
      handle: ({ json }) => {
        const body = requireObject(json);
        const criteria = parseSearch(body);
        const descending = body.sortOrder === 'DESC';
        const queryKey = createHash('sha256').update(JSON.stringify(body.query)).digest('hex').slice(0, 12);
        let offset = 0;
        if (typeof body.cursor === 'string' && body.cursor.length > 0) {
          const cursor = decodeCursor(body.cursor);
          if (cursor.query !== queryKey || !Number.isInteger(cursor.offset)) throw badRequest('The cursor does not belong to this query.');
          offset = cursor.offset as number;
        }
        const hits = indexed.filter((c) => {
          const start = Date.parse(c.startTime);
          const end = Date.parse(c.endTime);
          return (
            start >= retentionStart &&
            start >= criteria.start &&
            start <= criteria.end &&
            (!criteria.endTimeRange || (end >= criteria.endTimeRange.start && end <= criteria.endTimeRange.end)) &&
            (!criteria.conversationIds || criteria.conversationIds.has(c.id)) &&
            (!criteria.divisionIds || c.divisionIds.some((d) => criteria.divisionIds?.has(d)))
          );
        });
        if (descending) hits.reverse();
        const page = hits.slice(offset, offset + SEARCH_PAGE_ROWS);
        const response: Models.JsonCursorSearchResponse = { types: ['conversations'], results: page.map(attributeSearchRow) };
        if (offset + SEARCH_PAGE_ROWS < hits.length) response.cursor = encodeCursor({ query: queryKey, offset: offset + SEARCH_PAGE_ROWS });
        return { status: 200, body: response };
      },
    },
    {
      method: 'GET',
      template: '/conversations/{conversationId}',
      permissions: ['conversation:communication:view'],
      handle: ({ params }) => ({ status: 200, body: conversationView(dataset, conversationOr404(params.conversationId ?? '')) }),
    },
    {
      method: 'GET',
      template: '/conversations/{conversationId}/recordingmetadata',
      permissions: RECORDING_VIEW_PERMISSIONS,
      handle: ({ params }) => {
        const conversation = conversationOr404(params.conversationId ?? '');
        return { status: 200, body: conversation.recordings.map((r) => recordingMetadataView(world, r)) };
      },
    },
    {
      method: 'GET',
      template: '/conversations/{conversationId}/recordingmetadata/{recordingId}',
      permissions: RECORDING_VIEW_PERMISSIONS,
      handle: ({ params }) => {
        const conversation = conversationOr404(params.conversationId ?? '');
        const recording = conversation.recordings.find((r) => r.id === params.recordingId);
        if (!recording) throw notFound(`Recording ${params.recordingId ?? ''} not found in conversation ${conversation.id}.`);
        return { status: 200, body: recordingMetadataView(world, recording) };
      },
    },
  ];
}
