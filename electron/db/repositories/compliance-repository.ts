import type { Db } from '../connection';

export type QueueSummary = { queueId: string | null; queueName: string | null; conversations: number; withTradingId: number };

export type UntaggedTradingCall = {
  conversationId: string;
  startMs: number;
  queueName: string | null;
  agentName: string | null;
  missing: Array<'trading_id' | 'client_account'>;
};

/** Read-only questions the posture check asks of the index, and the posture reports it keeps. */
export function createComplianceRepository(db: Db) {
  const queueSummary = db.prepare(`
    SELECT queue_id, queue_name, COUNT(*) AS conversations, SUM(trading_id IS NOT NULL) AS with_trading_id
    FROM conversations WHERE queue_id IS NOT NULL OR queue_name IS NOT NULL GROUP BY queue_id, queue_name ORDER BY queue_name`);
  const untagged = db.prepare(`
    SELECT id, start_ms, queue_name, agent_name, trading_id, client_account FROM conversations
    WHERE has_recording = 1 AND (trading_id IS NULL OR client_account IS NULL)
      AND (queue_id IN (SELECT value FROM json_each(@queues)) OR queue_name IN (SELECT value FROM json_each(@queues)))
    ORDER BY start_ms DESC`);
  const insertReport = db.prepare('INSERT INTO posture_reports (id, checked_ms, report_json) VALUES (?, ?, ?)');
  const latestReport = db.prepare('SELECT report_json FROM posture_reports ORDER BY checked_ms DESC LIMIT 1');

  return {
    async queueSummary(): Promise<Array<QueueSummary>> {
      return (queueSummary.all() as Array<{ queue_id: string | null; queue_name: string | null; conversations: number; with_trading_id: number }>).map((r) => ({
        queueId: r.queue_id,
        queueName: r.queue_name,
        conversations: r.conversations,
        withTradingId: r.with_trading_id,
      }));
    },
    /** Recorded calls in these queues (ids or names) that lack a trading id or a client account. */
    async untaggedTradingCalls(queues: ReadonlyArray<string>): Promise<Array<UntaggedTradingCall>> {
      const rows = untagged.all({ queues: JSON.stringify(queues) }) as Array<{
        id: string;
        start_ms: number;
        queue_name: string | null;
        agent_name: string | null;
        trading_id: string | null;
        client_account: string | null;
      }>;
      return rows.map((r) => ({
        conversationId: r.id,
        startMs: r.start_ms,
        queueName: r.queue_name,
        agentName: r.agent_name,
        missing: [...(r.trading_id === null ? (['trading_id'] as const) : []), ...(r.client_account === null ? (['client_account'] as const) : [])],
      }));
    },
    async saveReport(id: string, checkedMs: number, report: unknown): Promise<void> {
      insertReport.run(id, checkedMs, JSON.stringify(report));
    },
    async latestReport(): Promise<unknown> {
      const row = latestReport.get() as { report_json: string } | undefined;
      return row ? (JSON.parse(row.report_json) as unknown) : null;
    },
  };
}

export type ComplianceRepository = ReturnType<typeof createComplianceRepository>;
