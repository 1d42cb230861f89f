import { placeHoldRequestSchema, holdIdSchema, holdReasonSchema, type HoldView, type PlaceHoldRequest } from '../../../shared/holds';
import type { ApprovalRequest, ApprovalSubject } from '../../../shared/approvals';
import type { Officer } from '../../../shared/domain';
import type { Logger } from '../../../shared/logger';
import type { ArchiveRepository } from '../../db/repositories/archive-repository';
import type { HoldActor, HoldConversation, HoldObject, HoldRecord, HoldRepository } from '../../db/repositories/hold-repository';
import type { IndexRepository } from '../../db/repositories/index-repository';
import { tradePrefix } from '../archive/archive-keys';
import { exportMetadataKeyOf } from '../archive/export-layout';
import type { ArchiveStore } from '../archive/archive-store';
import type { ApprovalService } from '../approvals/approval-service';
import { AuditActor } from '../audit/audit-actor';
import type { AuditWriter } from '../audit/audit-writer';
import type { OfficerSession } from '../auth/officer';
import { AppError, describeCause, ValidationError } from '../errors';
import type { GenesysClient } from '../genesys/genesys-client';
import type { IndexSync } from '../index/index-sync';
import type { Clock } from '../ports';

const DAY_MS = 86_400_000;
const HOLD_RELEASE = 'hold-release' as const;
/** Genesys takes at most 100 conversations per deletion-protection call. */
const PROTECTION_BATCH = 100;

export type HoldServiceDeps = {
  holds: HoldRepository;
  archive: ArchiveRepository;
  index: IndexRepository;
  /** The archive bucket; null when none is configured (then only Genesys protection applies). */
  store: () => Promise<ArchiveStore | null>;
  genesys: () => Promise<{ client: GenesysClient; sync: IndexSync }>;
  audit: () => Promise<AuditWriter>;
  clock: Clock;
  logger: Logger;
  newId: () => string;
  /** Who acts: the officer signed in on this profile (holds need 'hold', releases 'release'). */
  officer: OfficerSession;
  /** The OS account this process runs as, recorded next to the officer. */
  osAccount: string;
  /** Release requests and approvals, in the audit bucket. */
  approvals: ApprovalService;
  /** Genesys's org-wide cap on deletion-protected conversations. */
  protectionCap: number;
};

type ObjectRef = { bucket: string; key: string; versionId: string };

/**
 * Legal holds on a trade: an S3 legal hold on every archived object version of it (the final guard:
 * the store refuses to delete a held version whatever its retention), Genesys deletion protection on
 * its conversations within the org's cap, and a record in the index that the retention sweep reads at
 * the moment it deletes. A release is four-eyes between two signed-in officers (approvals/): one
 * requests it, a different officer approves the request (from any workstation: the request and the
 * approval are objects in the audit bucket), and the release then runs where the hold is recorded:
 * at once when the approver's workstation has it, otherwise at the requester's `completeRelease`.
 * Every step is written to the audit log before it acts.
 */
export class HoldService {
  constructor(private readonly deps: HoldServiceDeps) {}

  async list(includeReleased = false): Promise<Array<HoldView>> {
    const holds = await this.deps.holds.list(includeReleased);
    return Promise.all(holds.map((hold) => this.view(hold)));
  }

  async get(holdId: string): Promise<HoldView> {
    return this.view(await this.requireHold(holdId));
  }

  /**
   * Places a hold, or completes one already open for the same trade and case (locks that failed
   * before are retried; nothing already locked is touched again).
   */
  async place(request: Readonly<PlaceHoldRequest>): Promise<HoldView> {
    const { officer, actor } = await AuditActor.signedIn(this.deps.officer, 'hold');
    const parsed = placeHoldRequestSchema.safeParse(request);
    if (!parsed.success) throw new ValidationError(parsed.error.issues.map((i) => `${i.path.join('.') || 'hold'}: ${i.message}`).join('; '));
    const { caseReference, reason } = parsed.data;
    const trade = await this.resolveTrade(parsed.data.tradingId);
    const existing = await this.deps.holds.openForCase(trade.tradingId, caseReference);
    const holdId = existing?.id ?? this.deps.newId();
    const store = await this.deps.store();
    const objects = await this.objectsOfTrade(trade.tradingId, store);
    const audit = await this.deps.audit();
    const event = await audit.append({
      action: 'hold',
      tradingId: trade.tradingId,
      caseReference,
      details: {
        holdId,
        reason,
        stage: existing ? 'completed' : 'placed',
        conversations: trade.conversationIds.length,
        archivedObjectVersions: objects.length,
      },
    }, actor);
    if (!existing) {
      await this.deps.holds.insert({
        id: holdId,
        tradingId: trade.tradingId,
        caseReference,
        reason,
        placedBy: this.actor(officer),
        placedMs: this.deps.clock.now(),
        placeEventId: event.eventId,
      });
    }
    await this.lockObjects(holdId, objects, store);
    await this.protectConversations(holdId, trade.conversationIds);
    const hold = await this.requireHold(holdId);
    if (hold.state === 'placing') await this.deps.holds.setState(holdId, 'active');
    this.deps.logger.info('legal hold placed', { holdId, tradingId: trade.tradingId, objects: objects.length, conversations: trade.conversationIds.length });
    return this.get(holdId);
  }

  /**
   * The signed-in officer asks for the release: a request in the audit bucket (audited first), which
   * another officer must approve before it expires. Nothing is unlocked yet. A hold whose request
   * expired may be requested again, as may one whose release was asked for before requests were stored
   * in the audit bucket (its name-based four-eyes no longer counts).
   */
  async requestRelease(holdId: string, reason: string): Promise<HoldView> {
    const id = parseHoldId(holdId);
    const why = holdReasonSchema.safeParse(reason);
    if (!why.success) throw new ValidationError(`release reason: ${why.error.issues[0]?.message ?? 'invalid'}`);
    const hold = await this.requireHold(id);
    const pending = hold.releaseRequest?.requestId ?? null;
    const open = hold.state === 'release-requested' || hold.state === 'releasing';
    const renewable = hold.state === 'active' || (open && pending === null) || (hold.state === 'release-requested' && pending !== null && (await this.deps.approvals.show(pending)).status === 'expired');
    if (!renewable) {
      throw new AppError(
        'VALIDATION',
        hold.state === 'release-requested'
          ? `Hold ${id} already has a release request${pending ? ` (${pending})` : ''} waiting for another officer's approval.`
          : `Hold ${id} is ${hold.state}; only an active hold can have its release requested.`,
      );
    }
    const { request, eventId } = await this.deps.approvals.request(HOLD_RELEASE, subjectOf(hold), why.data);
    const by = this.actor(request.requestedBy);
    if (!(await this.deps.holds.requestRelease(id, { by, atMs: Date.parse(request.requestedAt), reason: why.data, eventId, requestId: request.requestId }))) {
      throw new AppError('VALIDATION', `Hold ${id} changed meanwhile; its release request ${request.requestId} is void.`);
    }
    return this.get(id);
  }

  /** Another signed-in officer approves the hold's release request, and the release runs here at once (a release under way is retried). */
  async approveRelease(holdId: string): Promise<HoldView> {
    const hold = await this.requireReleaseRequest(parseHoldId(holdId));
    if (hold.state === 'release-requested') await this.deps.approvals.approve(hold.releaseRequest.requestId);
    return this.completeRelease(hold.id);
  }

  /**
   * Runs an approved release (the requester's next step when the approver was elsewhere, or a retry
   * of locks that could not be lifted): needs a signed-in officer with 'release' and a valid approval
   * of the hold's request in the bucket; a release already under way finishes even after it expired.
   * Then the locks this hold alone kept are lifted.
   */
  async completeRelease(holdId: string): Promise<HoldView> {
    const hold = await this.requireReleaseRequest(parseHoldId(holdId));
    const { officer, actor } = await AuditActor.signedIn(this.deps.officer, 'release');
    const { request, approval } = await this.deps.approvals.requireApproved(hold.releaseRequest.requestId, HOLD_RELEASE, subjectOf(hold), {
      allowExpired: hold.state === 'releasing',
    });
    const audit = await this.deps.audit();
    const event = await audit.append({
      action: 'release',
      tradingId: hold.tradingId,
      caseReference: hold.caseReference,
      details: {
        holdId: hold.id,
        stage: 'executed',
        requestId: request.requestId,
        reason: request.reason,
        requestedBy: { genesysUserId: request.requestedBy.genesysUserId, name: request.requestedBy.name },
        approvedBy: { genesysUserId: approval.approvedBy.genesysUserId, name: approval.approvedBy.name },
      },
    }, actor);
    await this.deps.holds.setState(hold.id, 'releasing');
    const store = await this.deps.store();
    const objectsReleased = await this.unlockObjects(hold.id, hold.tradingId, store);
    const conversationsReleased = await this.unprotectConversations(hold.id);
    if (objectsReleased && conversationsReleased) {
      await this.deps.holds.markReleased(hold.id, this.actor(approval.approvedBy), this.deps.clock.now(), event.eventId);
    }
    this.deps.logger.info('legal hold release executed', { holdId: hold.id, requestId: request.requestId, executedBy: officer.genesysUserId, complete: objectsReleased && conversationsReleased });
    return this.get(hold.id);
  }

  /**
   * After an approval given on this workstation: runs the release when this workstation records the
   * hold with that request; null when the hold lives on another workstation (its requester completes it there).
   */
  async completeReleaseIfHere(request: ApprovalRequest): Promise<HoldView | null> {
    if (request.kind !== HOLD_RELEASE) return null;
    const hold = await this.deps.holds.get(request.subject.holdId);
    if (!hold || hold.releaseRequest?.requestId !== request.requestId || (hold.state !== 'release-requested' && hold.state !== 'releasing')) return null;
    return this.completeRelease(hold.id);
  }

  /** The hold, still open, with a release request stored in the audit bucket. */
  private async requireReleaseRequest(id: string): Promise<HoldRecord & { releaseRequest: { requestId: string } }> {
    const hold = await this.requireHold(id);
    if (hold.state === 'released') throw new AppError('VALIDATION', `Hold ${id} is already released.`);
    const requestId = hold.releaseRequest?.requestId;
    if (!requestId || (hold.state !== 'release-requested' && hold.state !== 'releasing')) {
      throw new AppError('VALIDATION', `Hold ${id} has no release request; an officer must request the release first.`);
    }
    return hold as HoldRecord & { releaseRequest: { requestId: string } };
  }

  /** The trade as the index knows it (canonical spelling, its conversations), or a clear error. */
  private async resolveTrade(tradingId: string): Promise<{ tradingId: string; conversationIds: Array<string> }> {
    const known = async () => {
      const matches = await this.deps.index.search({ tradingId }, 10_000);
      const archived = await this.deps.archive.byTradingId(tradingId);
      const canonical = matches[0]?.tradingId ?? archived[0]?.tradingId ?? null;
      const conversationIds = [...new Set([...matches.map((m) => m.conversationId), ...archived.map((a) => a.conversationId)])].sort();
      return canonical === null ? null : { tradingId: canonical, conversationIds };
    };
    const local = await known();
    if (local) return local;
    // Not searched yet on this workstation: read the last 30 days from Genesys once, then decide.
    try {
      const { sync } = await this.deps.genesys();
      const now = this.deps.clock.now();
      await sync.sync(now - 30 * DAY_MS, now);
    } catch (error) {
      this.deps.logger.warn('could not sync the index before placing a hold', { reason: describeCause(error) });
    }
    const synced = await known();
    if (synced) return synced;
    throw new AppError(
      'NOT_FOUND',
      `Unknown trade "${tradingId}": no conversation in the index and no archived recording carries this trading id. Check the id, or search for the trade first.`,
      { details: { tradingId } },
    );
  }

  /** Every version of every archived object of the trade: under its prefix, and recorded locally under another. */
  private async objectsOfTrade(tradingId: string, store: ArchiveStore | null): Promise<Array<ObjectRef>> {
    if (!store) return [];
    const refs = new Map<string, ObjectRef>();
    const add = (ref: ObjectRef) => refs.set(`${ref.key}\u0000${ref.versionId}`, ref);
    for await (const version of store.listVersions(tradePrefix(tradingId))) add({ bucket: store.bucket, key: version.key, versionId: version.versionId });
    for (const record of await this.deps.archive.byTradingId(tradingId)) {
      if (record.bucket !== store.bucket) continue;
      // An exported recording's _metadata.json is part of its record too: held with it, as retention keeps it with it.
      for (const key of [record.mediaKey, record.sidecarKey, exportMetadataKeyOf(record.mediaKey)]) {
        if (key === null) continue;
        for (const version of await store.versionsOf(key)) add({ bucket: store.bucket, key, versionId: version.versionId });
      }
    }
    return [...refs.values()].sort((a, b) => a.key.localeCompare(b.key));
  }

  private async lockObjects(holdId: string, objects: ReadonlyArray<ObjectRef>, store: ArchiveStore | null): Promise<void> {
    if (!store) return;
    const done = new Set((await this.deps.holds.objects(holdId)).filter((o) => o.status === 'held').map((o) => `${o.key}\u0000${o.versionId}`));
    for (const object of objects) {
      if (done.has(`${object.key}\u0000${object.versionId}`)) continue;
      try {
        await store.setLegalHold(object.key, object.versionId, true);
        await this.deps.holds.putObject(holdId, { ...object, status: 'held', error: null });
      } catch (error) {
        this.deps.logger.error('could not put a legal hold on an archived object', { holdId, key: object.key, cause: describeCause(error) });
        await this.deps.holds.putObject(holdId, { ...object, status: 'failed', error: describeCause(error) });
      }
    }
  }

  private async protectConversations(holdId: string, conversationIds: ReadonlyArray<string>): Promise<void> {
    const previous = new Map((await this.deps.holds.conversations(holdId)).map((c) => [c.conversationId, c]));
    const todo = conversationIds.filter((id) => previous.get(id)?.status !== 'protected');
    if (todo.length === 0) return;
    const room = Math.max(0, this.deps.protectionCap - (await this.deps.holds.protectedConversationCount()));
    const send = todo.slice(0, room);
    for (const id of todo.slice(room)) {
      await this.deps.holds.putConversation(holdId, {
        conversationId: id,
        status: 'cap-reached',
        error: `Genesys protects at most ${this.deps.protectionCap} conversations per org; the S3 legal hold still protects the archived copy.`,
      });
    }
    let client: GenesysClient;
    try {
      client = (await this.deps.genesys()).client;
    } catch (error) {
      for (const id of send) await this.deps.holds.putConversation(holdId, { conversationId: id, status: 'failed', error: describeCause(error) });
      return;
    }
    for (let start = 0; start < send.length; start += PROTECTION_BATCH) {
      const batch = send.slice(start, start + PROTECTION_BATCH);
      let refused: Map<string, { errorCode: string; message: string }>;
      try {
        refused = new Map((await client.setDeletionProtection(batch, true)).map((f) => [f.conversationId, f]));
      } catch (error) {
        for (const id of batch) await this.deps.holds.putConversation(holdId, { conversationId: id, status: 'failed', error: describeCause(error) });
        continue;
      }
      for (const id of batch) {
        const failure = refused.get(id);
        const status: HoldConversation['status'] = !failure ? 'protected' : /limit|cap|maximum/i.test(`${failure.errorCode} ${failure.message}`) ? 'cap-reached' : 'failed';
        await this.deps.holds.putConversation(holdId, { conversationId: id, status, error: failure ? `${failure.errorCode}: ${failure.message}` : null });
      }
    }
  }

  /** Lifts the legal hold on every version this hold covers, and on versions archived since, unless another open hold keeps them. */
  private async unlockObjects(holdId: string, tradingId: string, store: ArchiveStore | null): Promise<boolean> {
    const recorded = await this.deps.holds.objects(holdId);
    if (!store) return recorded.every((o) => o.status !== 'held');
    const all = new Map<string, HoldObject>(recorded.map((o) => [`${o.key}\u0000${o.versionId}`, o]));
    for (const ref of await this.objectsOfTrade(tradingId, store)) {
      const id = `${ref.key}\u0000${ref.versionId}`;
      if (!all.has(id)) all.set(id, { ...ref, status: 'held', error: null });
    }
    let complete = true;
    for (const object of all.values()) {
      if (object.status === 'released' || object.status === 'kept') continue;
      if (object.bucket !== store.bucket) continue;
      if (await this.deps.holds.objectHeldByOtherHold(holdId, object.bucket, object.key, object.versionId)) {
        await this.deps.holds.putObject(holdId, { ...object, status: 'kept', error: 'another open hold keeps it' });
        continue;
      }
      try {
        await store.setLegalHold(object.key, object.versionId, false);
        await this.deps.holds.putObject(holdId, { ...object, status: 'released', error: null });
      } catch (error) {
        complete = false;
        await this.deps.holds.putObject(holdId, { ...object, status: object.status, error: `release failed: ${describeCause(error)}` });
      }
    }
    return complete;
  }

  private async unprotectConversations(holdId: string): Promise<boolean> {
    const protectedHere = (await this.deps.holds.conversations(holdId)).filter((c) => c.status === 'protected');
    const release: Array<string> = [];
    for (const conversation of protectedHere) {
      if (await this.deps.holds.conversationProtectedByOtherHold(holdId, conversation.conversationId)) {
        await this.deps.holds.putConversation(holdId, { ...conversation, status: 'kept', error: 'another open hold keeps it' });
      } else {
        release.push(conversation.conversationId);
      }
    }
    if (release.length === 0) return true;
    let complete = true;
    try {
      const { client } = await this.deps.genesys();
      for (let start = 0; start < release.length; start += PROTECTION_BATCH) {
        const batch = release.slice(start, start + PROTECTION_BATCH);
        const refused = new Map((await client.setDeletionProtection(batch, false)).map((f) => [f.conversationId, f]));
        for (const id of batch) {
          const failure = refused.get(id);
          if (failure) complete = false;
          await this.deps.holds.putConversation(holdId, {
            conversationId: id,
            status: failure ? 'protected' : 'released',
            error: failure ? `release refused: ${failure.errorCode}: ${failure.message}` : null,
          });
        }
      }
    } catch (error) {
      this.deps.logger.error('could not lift Genesys deletion protection', { holdId, cause: describeCause(error) });
      return false;
    }
    return complete;
  }

  private async view(hold: HoldRecord): Promise<HoldView> {
    const objects = await this.deps.holds.objects(hold.id);
    const conversations = await this.deps.holds.conversations(hold.id);
    const countObjects = (status: HoldObject['status']) => objects.filter((o) => o.status === status).length;
    const countConversations = (status: HoldConversation['status']) => conversations.filter((c) => c.status === status).length;
    const notes: Array<string> = [];
    if (objects.length === 0 && hold.state !== 'released') notes.push('No archived copy yet: archive the trade so its WORM copies are held too.');
    const failedObjects = objects.filter((o) => o.status === 'failed');
    if (failedObjects.length > 0) notes.push(`${failedObjects.length} archived object version(s) could not be held (${failedObjects[0]!.error}); place the hold again to retry.`);
    if (countConversations('cap-reached') > 0) {
      notes.push(`${countConversations('cap-reached')} conversation(s) are over Genesys's deletion-protection cap; only the archive's legal hold protects them.`);
    }
    const failedConversations = conversations.filter((c) => c.status === 'failed');
    if (failedConversations.length > 0) notes.push(`${failedConversations.length} conversation(s) could not be protected in Genesys (${failedConversations[0]!.error}); place the hold again to retry.`);
    if (hold.state === 'release-requested' && hold.releaseRequest?.requestId) {
      notes.push(`Waiting for another officer to approve request ${hold.releaseRequest.requestId} ("custody approvals approve ${hold.releaseRequest.requestId}"); then "custody hold release --hold ${hold.id} --complete" runs it where the approver cannot.`);
    }
    if ((hold.state === 'release-requested' || hold.state === 'releasing') && !hold.releaseRequest?.requestId) {
      notes.push('This release was asked for before approvals between signed-in officers; request it again ("custody hold release --reason").');
    } else if (hold.state === 'releasing') notes.push(`The release was approved but some locks could not be lifted yet; run "custody hold release --hold ${hold.id} --complete" to retry.`);
    const auditEventIds = [hold.placeEventId, hold.releaseRequest?.eventId, hold.released?.eventId].filter((id): id is string => !!id);
    return {
      id: hold.id,
      tradingId: hold.tradingId,
      caseReference: hold.caseReference,
      reason: hold.reason,
      state: hold.state,
      placedBy: hold.placedBy,
      placedAt: new Date(hold.placedMs).toISOString(),
      releaseRequest: hold.releaseRequest
        ? {
            by: hold.releaseRequest.by,
            at: new Date(hold.releaseRequest.atMs).toISOString(),
            reason: hold.releaseRequest.reason,
            ...(hold.releaseRequest.requestId ? { requestId: hold.releaseRequest.requestId } : {}),
            requestedByYou: hold.releaseRequest.by.genesysUserId !== undefined && hold.releaseRequest.by.genesysUserId === (await this.deps.officer.current())?.genesysUserId,
          }
        : null,
      released: hold.released ? { by: hold.released.by, at: new Date(hold.released.atMs).toISOString() } : null,
      objects: { held: countObjects('held'), failed: countObjects('failed'), released: countObjects('released'), kept: countObjects('kept') },
      conversations: {
        total: conversations.length,
        protected: countConversations('protected'),
        capReached: countConversations('cap-reached'),
        failed: countConversations('failed'),
        released: countConversations('released'),
        kept: countConversations('kept'),
      },
      complete: failedObjects.length === 0 && failedConversations.length === 0 && hold.state !== 'placing' && hold.state !== 'releasing',
      notes,
      auditEventIds,
    };
  }

  private async requireHold(holdId: string): Promise<HoldRecord> {
    const hold = await this.deps.holds.get(holdId);
    if (!hold) throw new AppError('NOT_FOUND', `No hold with id ${holdId}.`, { details: { holdId } });
    return hold;
  }

  private actor(officer: Officer): HoldActor {
    return { name: officer.name, osAccount: this.deps.osAccount, genesysUserId: officer.genesysUserId };
  }
}

function subjectOf(hold: HoldRecord): ApprovalSubject<typeof HOLD_RELEASE> {
  return { holdId: hold.id, tradingId: hold.tradingId, caseReference: hold.caseReference };
}

function parseHoldId(holdId: string): string {
  const parsed = holdIdSchema.safeParse(holdId);
  if (!parsed.success) throw new ValidationError(`--hold: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}
