import { approvalRequestSchema, approvalSchema, type Approval, type ApprovalRequest } from '../../shared/approvals';
import { approvalRequestKey, ApprovalStore, type ApprovalRecords, type StoredRequest } from '../../electron/services/approvals/approval-store';
import type { ApprovalService } from '../../electron/services/approvals/approval-service';
import { WormStoreError } from '../../electron/services/errors';

/** A profile that asks for no approval of exports or plays (the defaults), for tests of other services. */
export const NO_APPROVALS_NEEDED: Pick<ApprovalService, 'requireApproval'> = { requireApproval: async () => null };

/**
 * The audit bucket's requests and approvals in memory, shared by every "workstation" of a unit test:
 * what one service writes, another reads. The real store (approval-store.ts) is tested against radosgw.
 */
export class InMemoryApprovalStore implements ApprovalRecords {
  readonly requests = new Map<string, ApprovalRequest>();
  readonly approvals = new Map<string, Array<Approval>>();
  /** Keys written, in order. */
  readonly written: Array<string> = [];
  unavailable = false;

  async putRequest(request: ApprovalRequest): Promise<void> {
    this.assertAvailable();
    this.requests.set(request.requestId, approvalRequestSchema.parse(request));
    this.written.push(approvalRequestKey(request.requestId));
  }

  async putApproval(approval: Approval): Promise<void> {
    this.assertAvailable();
    this.approvals.set(approval.requestId, [...(this.approvals.get(approval.requestId) ?? []), approvalSchema.parse(approval)]);
    this.written.push(`approval-${approval.approvedBy.genesysUserId}`);
  }

  async read(requestId: string, where: (request: ApprovalRequest) => boolean = () => true): Promise<StoredRequest | null> {
    this.assertAvailable();
    const request = this.requests.get(requestId);
    if (!request || !where(request)) return null;
    return { request, sha256: ApprovalStore.encode(request).sha256, key: approvalRequestKey(requestId), approvals: [...(this.approvals.get(requestId) ?? [])] };
  }

  async *since(sinceMs: number, where?: (request: ApprovalRequest) => boolean): AsyncIterable<StoredRequest> {
    const ids = [...this.requests.values()].filter((r) => Date.parse(r.requestedAt) >= sinceMs).map((r) => r.requestId).sort();
    for (const id of ids) {
      const stored = await this.read(id, where);
      if (stored) yield stored;
    }
  }

  private assertAvailable(): void {
    if (this.unavailable) throw new WormStoreError('http://worm.test', 'WORM store unavailable: connection refused', { unavailable: true });
  }
}
