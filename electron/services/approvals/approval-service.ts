import {
  approvalReasonSchema,
  approvalRequestSchema,
  approvalSubjectSchemas,
  type Approval,
  type ApprovalKind,
  type ApprovalRequest,
  type ApprovalSubject,
  type ApprovalView,
} from '../../../shared/approvals';
import { canonicalJson } from '../../../shared/canonical-json';
import type { Workstation } from '../../../shared/domain';
import type { Logger } from '../../../shared/logger';
import type { OfficerAction } from '../../../shared/officer-permissions';
import { AuditActor } from '../audit/audit-actor';
import type { AuditWriter } from '../audit/audit-writer';
import { officerOf, type OfficerSession } from '../auth/officer';
import { AppError, ApprovalRequiredError, SignInRequiredError, validated, ValidationError } from '../errors';
import type { Clock } from '../ports';
import { MAX_APPROVAL_LIFETIME_HOURS, type ApprovalSettings } from './approval-settings';
import { approvalKey, approvalRequestKey, ApprovalStore, newRequestId, parseRequestId, type ApprovalRecords, type StoredRequest } from './approval-store';

const HOUR_MS = 3_600_000;

/** The permission an officer needs to request, approve or carry out each kind of request. */
export const approvalAction: Readonly<Record<ApprovalKind, OfficerAction>> = { 'hold-release': 'release', export: 'export', 'restricted-play': 'play' };

export type ApprovalServiceDeps = {
  /** The audit bucket's requests and approvals (needs the WORM store's keys). */
  store: () => Promise<ApprovalRecords>;
  audit: () => Promise<AuditWriter>;
  officer: OfficerSession;
  workstation: Workstation;
  settings: ApprovalSettings;
  clock: Clock;
  logger: Logger;
};

/** A request with a valid approval: who asked, who approved. */
export type Approved = { request: ApprovalRequest; approval: Approval };

/**
 * Four-eyes between two signed-in officers. An officer requests an action; a different officer (by
 * Genesys user id, from her own token, on any workstation) approves it before the request expires.
 * Requests and approvals are locked objects in the audit bucket, each written after its audit event.
 * `requireApproval` is the one check every guarded action calls.
 */
export class ApprovalService {
  constructor(private readonly deps: ApprovalServiceDeps) {}

  /** Records a request by the signed-in officer (who must hold the action's permission herself). */
  async request<K extends ApprovalKind>(kind: K, subject: ApprovalSubject<K>, reason: string): Promise<{ request: ApprovalRequest; eventId: string }> {
    const { officer, actor } = await AuditActor.signedIn(this.deps.officer, approvalAction[kind]);
    const why = approvalReasonSchema.safeParse(reason);
    if (!why.success) throw new ValidationError(`reason: ${why.error.issues[0]?.message ?? 'invalid'}`);
    const nowMs = this.deps.clock.now();
    // Checked as it will be stored, before its audit event is written.
    const request = validated(approvalRequestSchema, {
      schema: 'custody.approval-request.v1',
      requestId: newRequestId(nowMs),
      kind,
      subject: parseSubject(kind, subject),
      reason: why.data,
      requestedBy: officerOf(officer),
      workstation: this.deps.workstation,
      requestedAt: new Date(nowMs).toISOString(),
      expiresAt: new Date(nowMs + this.deps.settings.lifetimeHours * HOUR_MS).toISOString(),
    }, 'approval request');
    const store = await this.deps.store();
    const { sha256 } = ApprovalStore.encode(request);
    const event = await (await this.deps.audit()).append({
      action: 'approval',
      ...auditFieldsOf(request),
      details: { stage: 'requested', requestId: request.requestId, kind, subject: request.subject, reason: request.reason, expiresAt: request.expiresAt, objectKey: approvalRequestKey(request.requestId), sha256 },
    }, actor);
    await store.putRequest(request, nowMs);
    this.deps.logger.info('approval requested', { requestId: request.requestId, kind, eventId: event.eventId });
    return { request, eventId: event.eventId };
  }

  /**
   * The signed-in officer approves a request read from the bucket: refused without a sign-in, without
   * the action's permission, for her own request (whichever workstation it came from) and once expired.
   * Approving again returns her approval already stored.
   */
  async approve(requestId: string): Promise<Approved & { eventId: string | null }> {
    const id = parseRequestId(requestId);
    if (!(await this.deps.officer.current())) throw new SignInRequiredError('No officer is signed in: an approval carries the approver\'s identity. Run "custody signin" first.');
    const stored = await this.requireStored(id);
    const { request } = stored;
    const { officer, actor } = await AuditActor.signedIn(this.deps.officer, approvalAction[request.kind]);
    if (officer.genesysUserId === request.requestedBy.genesysUserId) {
      throw new ApprovalRequiredError(
        `Four-eyes rule: ${officer.name} requested ${describeRequest(request)} and cannot also approve it; another signed-in officer must approve it.`,
        { requestId: id, requestedBy: request.requestedBy.genesysUserId },
      );
    }
    const nowMs = this.deps.clock.now();
    this.assertNotExpired(request, nowMs);
    const mine = this.validApprovals(stored).find((a) => a.approvedBy.genesysUserId === officer.genesysUserId);
    if (mine) return { request, approval: mine, eventId: null };
    const approval: Approval = {
      schema: 'custody.approval.v1',
      requestId: id,
      requestSha256: stored.sha256,
      approvedBy: officerOf(officer),
      workstation: this.deps.workstation,
      approvedAt: new Date(nowMs).toISOString(),
    };
    const event = await (await this.deps.audit()).append({
      action: 'approval',
      ...auditFieldsOf(request),
      details: {
        stage: 'approved',
        requestId: id,
        kind: request.kind,
        requestedBy: { genesysUserId: request.requestedBy.genesysUserId, name: request.requestedBy.name },
        requestSha256: stored.sha256,
        objectKey: approvalKey(id, officer.genesysUserId),
        sha256: ApprovalStore.encode(approval).sha256,
      },
    }, actor);
    await (await this.deps.store()).putApproval(approval, nowMs);
    this.deps.logger.info('approval given', { requestId: id, kind: request.kind, eventId: event.eventId });
    return { request, approval, eventId: event.eventId };
  }

  async show(requestId: string): Promise<ApprovalView> {
    return this.view(await this.requireStored(parseRequestId(requestId)));
  }

  /** Requests of the last `MAX_APPROVAL_LIFETIME_HOURS` (the only ones that can still be valid), newest first. */
  async list(options: { includeExpired?: boolean } = {}): Promise<Array<ApprovalView>> {
    const store = await this.deps.store();
    const views: Array<ApprovalView> = [];
    for await (const stored of store.since(this.deps.clock.now() - MAX_APPROVAL_LIFETIME_HOURS * HOUR_MS)) {
      const view = this.view(stored);
      if (options.includeExpired || view.status !== 'expired') views.push(view);
    }
    return views.reverse();
  }

  /**
   * The one four-eyes check before a guarded action by the signed-in officer. Returns null when this
   * profile does not need an approval for it (exports unless configured; plays outside the restricted
   * queues), else her approved, unexpired request for exactly this subject, or ApprovalRequiredError
   * saying how to get one. A hold release always needs one (see `requireApproved`).
   */
  async requireApproval(
    ...[kind, subject, context = {}]:
      | [kind: 'export', subject: ApprovalSubject<'export'>, context?: Record<string, never>]
      | [kind: 'restricted-play', subject: ApprovalSubject<'restricted-play'>, context: { queues: ReadonlyArray<string | null> }]
  ): Promise<Approved | null> {
    if (kind === 'export' && !this.deps.settings.requireForExport) return null;
    if (kind === 'restricted-play' && !this.isRestricted('queues' in context ? context.queues : [])) return null;
    const officer = await this.deps.officer.require(approvalAction[kind]);
    const wanted = canonicalJson(parseSubject(kind, subject));
    const nowMs = this.deps.clock.now();
    let waiting: ApprovalRequest | null = null;
    let expired: ApprovalRequest | null = null;
    // The officer's own requests of this kind and subject, made within this profile's lifetime.
    const hers = (request: ApprovalRequest) => request.kind === kind && canonicalJson(request.subject) === wanted && request.requestedBy.genesysUserId === officer.genesysUserId;
    for await (const stored of (await this.deps.store()).since(nowMs - this.deps.settings.lifetimeHours * HOUR_MS, hers)) {
      const { request } = stored;
      const approval = this.validApprovals(stored)[0];
      if (!this.expired(request, nowMs) && approval) return { request, approval };
      if (this.expired(request, nowMs)) expired = request;
      else waiting = request;
    }
    const howTo = kind === 'export' ? `custody approvals request export --case ${JSON.stringify(subject.caseReference)} --reason TEXT` : `custody approvals request restricted-play --conversation ${subject.conversationId} --reason TEXT`;
    const what = kind === 'export' ? `Exports under case "${subject.caseReference}" need` : `Playing conversation ${subject.conversationId} (a restricted queue) needs`;
    const state = waiting
      ? `Request ${waiting.requestId} is waiting for another officer: "custody approvals approve ${waiting.requestId}".`
      : expired
        ? `Request ${expired.requestId} expired at ${expired.expiresAt}; request again: "${howTo}".`
        : `Request one with "${howTo}", then another signed-in officer approves it with "custody approvals approve REQUEST_ID".`;
    throw new ApprovalRequiredError(`${what} a second officer's approval in this profile. ${state}`, { kind, subject });
  }

  /**
   * Request `requestId`, which must be of `kind` for exactly `subject`, with a valid approval by another
   * officer. An expired one counts only with `allowExpired` (finishing a release already under way).
   */
  async requireApproved<K extends ApprovalKind>(requestId: string, kind: K, subject: ApprovalSubject<K>, options: { allowExpired?: boolean } = {}): Promise<Approved> {
    const stored = await this.requireStored(parseRequestId(requestId));
    const { request } = stored;
    if (request.kind !== kind || canonicalJson(request.subject) !== canonicalJson(parseSubject(kind, subject))) {
      throw new ApprovalRequiredError(`Approval request ${requestId} is for ${describeRequest(request)}, not for this ${kind}.`, { requestId, kind });
    }
    if (!options.allowExpired) this.assertNotExpired(request, this.deps.clock.now());
    const approval = this.validApprovals(stored)[0];
    if (!approval) {
      throw new ApprovalRequiredError(
        `Approval request ${requestId} (${describeRequest(request)}) is not approved yet: another signed-in officer must run "custody approvals approve ${requestId}" (before ${request.expiresAt}).`,
        { requestId, kind },
      );
    }
    return { request, approval };
  }

  /** Whether a call in any of `queues` (ids or names, nulls ignored) needs an approved request to be played. */
  isRestricted(queues: ReadonlyArray<string | null>): boolean {
    const restricted = new Set(this.deps.settings.restrictedQueues.map((q) => q.toLocaleLowerCase()));
    return queues.some((q) => q !== null && restricted.has(q.trim().toLocaleLowerCase()));
  }

  private async requireStored(requestId: string): Promise<StoredRequest> {
    const stored = await (await this.deps.store()).read(requestId);
    if (!stored) throw new AppError('NOT_FOUND', `No approval request ${requestId} in the audit bucket.`, { details: { requestId } });
    return stored;
  }

  private view(stored: StoredRequest): ApprovalView {
    const approvals = this.validApprovals(stored);
    const status = this.expired(stored.request, this.deps.clock.now()) ? 'expired' : approvals.length > 0 ? 'approved' : 'pending';
    return { request: stored.request, approvals, status };
  }

  /** Approvals that count: by another officer than the requester, given before the request expired, of a request whose lifetime is allowed. */
  private validApprovals({ request, approvals }: StoredRequest): Array<Approval> {
    if (!this.lifetimeAllowed(request)) return [];
    return approvals.filter((a) => a.approvedBy.genesysUserId !== request.requestedBy.genesysUserId && Date.parse(a.approvedAt) < Date.parse(request.expiresAt));
  }

  private lifetimeAllowed(request: ApprovalRequest): boolean {
    const lifetime = Date.parse(request.expiresAt) - Date.parse(request.requestedAt);
    return lifetime > 0 && lifetime <= MAX_APPROVAL_LIFETIME_HOURS * HOUR_MS;
  }

  private expired(request: ApprovalRequest, nowMs: number): boolean {
    return !this.lifetimeAllowed(request) || nowMs >= Date.parse(request.expiresAt);
  }

  private assertNotExpired(request: ApprovalRequest, nowMs: number): void {
    if (this.expired(request, nowMs)) {
      throw new ApprovalRequiredError(`Approval request ${request.requestId} (${describeRequest(request)}) expired at ${request.expiresAt}; it must be requested again.`, {
        requestId: request.requestId,
        expiresAt: request.expiresAt,
      });
    }
  }
}

function parseSubject<K extends ApprovalKind>(kind: K, subject: ApprovalSubject<K>): ApprovalSubject<K> {
  return validated<unknown>(approvalSubjectSchemas[kind], subject, kind) as ApprovalSubject<K>;
}

/** The audit event's indexed fields for a request's subject, so "who touched trade T" finds it. */
function auditFieldsOf(request: ApprovalRequest): { tradingId?: string; caseReference?: string; conversationId?: string } {
  switch (request.kind) {
    case 'hold-release':
      return { tradingId: request.subject.tradingId, caseReference: request.subject.caseReference };
    case 'export':
      return { caseReference: request.subject.caseReference };
    case 'restricted-play':
      return { conversationId: request.subject.conversationId };
  }
}

export function describeRequest(request: ApprovalRequest): string {
  switch (request.kind) {
    case 'hold-release':
      return `the release of hold ${request.subject.holdId} (trade ${request.subject.tradingId}, case ${request.subject.caseReference})`;
    case 'export':
      return `exports under case ${request.subject.caseReference}`;
    case 'restricted-play':
      return `playing conversation ${request.subject.conversationId}`;
  }
}
