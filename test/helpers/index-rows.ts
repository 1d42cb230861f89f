import type { ConversationUpsert } from '../../electron/db/repositories/index-repository';

/** A recorded FX desk call for index tests, starting at `startMs`, with `extra` overriding any field. */
export const conversationRow = (id: string, startMs: number, extra: Partial<ConversationUpsert> = {}): ConversationUpsert => ({
  id,
  startMs,
  endMs: startMs + 60_000,
  direction: 'inbound',
  queueId: 'q-fx',
  queueName: 'FX Spot Desk',
  agentId: 'u-anna',
  agentName: 'Anna Berg',
  tradingId: null,
  clientAccount: null,
  participants: [],
  hasRecording: true,
  ...extra,
});
