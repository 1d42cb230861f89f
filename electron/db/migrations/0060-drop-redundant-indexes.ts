/**
 * Searches by queue or agent resolve the name to ids first and walk the (queue_id | agent_id,
 * start_ms) indexes, and the covering recordings index starts with conversation_id: these three
 * indexes only cost writes and disk.
 */
export const sql = /* sql */ `
DROP INDEX IF EXISTS conversations_by_queue;
DROP INDEX IF EXISTS conversations_by_agent;
DROP INDEX IF EXISTS recordings_by_conversation;
`;
