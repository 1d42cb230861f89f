import type { AuditHead, AuditHeadStore } from '../../electron/services/audit/event-chain';

/** The head store port without SQLite: what a fresh profile (or a lost one) looks like. */
export class InMemoryAuditHeadStore implements AuditHeadStore {
  readonly heads = new Map<string, AuditHead>();
  async load(logId: string): Promise<AuditHead | null> {
    return this.heads.get(logId) ?? null;
  }
  async save(logId: string, head: AuditHead): Promise<void> {
    this.heads.set(logId, { ...head });
  }
}
