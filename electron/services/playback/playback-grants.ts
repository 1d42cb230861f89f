import { randomBytes } from 'node:crypto';
import type { Clock } from '../ports';
import type { RangeSource } from '../storage/durable-file';

export type PlaybackGrant = {
  id: string;
  recordingId: string;
  /** The case the play was audited under: a change of case ends the grant. */
  caseReference: string | null;
  path: string;
  /** What media:// serves: the recording's plaintext by range (decrypted from the media cache, or a plain served copy). */
  content: RangeSource;
  contentType: string;
  /** null while the recording is still streaming into the cache; set once it has been verified (`verified`). */
  sha256: string | null;
  /** The one audited play (WORM event or review journal entry) this grant serves. */
  auditEventId: string;
  /** How long the recording plays: a play may last that long even when the player fetched it all at once. */
  durationMs: number;
  issuedAt: number;
  lastUsedAt: number;
};

/**
 * A grant lives as long as its recording plays, then while its play fetches or seeks, `idleMs` at
 * most without one, and never past `maxMs` (or the recording's length, if longer): a paused or
 * forgotten player needs a new audited play, not an old pass.
 */
export const defaultGrantLifetime = { idleMs: 5 * 60_000, maxMs: 60 * 60_000 };

/**
 * Media is served only under a grant, and a grant exists only after the audit record of one play
 * was acknowledged. A grant serves one recording, under one case reference, for one play: a new
 * play of the recording, a change of case or the view closing revokes it. The media protocol
 * handler asks here; nothing else can open a recording.
 */
export class PlaybackGrants {
  private readonly grants = new Map<string, PlaybackGrant>();

  constructor(
    private readonly clock: Clock,
    private readonly lifetime = defaultGrantLifetime,
  ) {}

  /** Issues the grant of a new play; any earlier play of the same recording stops being served. */
  issue(grant: Omit<PlaybackGrant, 'id' | 'issuedAt' | 'lastUsedAt'>): PlaybackGrant {
    this.prune();
    this.revokeRecording(grant.recordingId);
    const now = this.clock.now();
    const issued = { ...grant, id: randomBytes(16).toString('base64url'), issuedAt: now, lastUsedAt: now };
    this.grants.set(issued.id, issued);
    return issued;
  }

  /** The play's recording finished streaming in and verified: its grant names the file in place and its hash. */
  verified(grantId: string, media: { path: string; sha256: string }): void {
    const grant = this.grants.get(grantId);
    if (!grant) return;
    grant.path = media.path;
    grant.sha256 = media.sha256;
  }

  /** Ends one play (its recording failed verification); returns it if it was live. */
  revoke(grantId: string): PlaybackGrant | null {
    return this.revokeWhere((grant) => grant.id === grantId)[0] ?? null;
  }

  /** A fetch under `grantId`: the grant if it is live and for this recording, kept alive by the use. */
  use(grantId: string, recordingId: string): PlaybackGrant | null {
    const grant = this.grants.get(grantId);
    if (!grant || grant.recordingId !== recordingId || !this.isLive(grant)) return null;
    grant.lastUsedAt = this.clock.now();
    return grant;
  }

  /** The live grant of a recording's current play (seeks and waveforms belong to it), or null. Use does not renew it. */
  current(recordingId: string): PlaybackGrant | null {
    for (const grant of this.grants.values()) if (grant.recordingId === recordingId && this.isLive(grant)) return grant;
    return null;
  }

  /** The view of the recording closed: its play ends. */
  revokeRecording(recordingId: string): Array<PlaybackGrant> {
    return this.revokeWhere((grant) => grant.recordingId === recordingId);
  }

  /** The session's case changed: plays audited under any other case end. */
  revokeOtherCases(caseReference: string): Array<PlaybackGrant> {
    return this.revokeWhere((grant) => grant.caseReference !== caseReference);
  }

  /** Every play ends (shutdown; another officer signed in); returns the plays that were live. */
  revokeAll(): Array<PlaybackGrant> {
    return this.revokeWhere(() => true);
  }

  private revokeWhere(matches: (grant: PlaybackGrant) => boolean): Array<PlaybackGrant> {
    const revoked = [...this.grants.values()].filter(matches);
    for (const grant of revoked) this.grants.delete(grant.id);
    return revoked;
  }

  private isLive(grant: PlaybackGrant): boolean {
    const now = this.clock.now();
    const { idleMs, maxMs } = this.lifetime;
    const active = Math.max(grant.lastUsedAt, grant.issuedAt + grant.durationMs);
    return now < active + idleMs && now < grant.issuedAt + Math.max(maxMs, grant.durationMs + idleMs);
  }

  private prune(): void {
    this.revokeWhere((grant) => !this.isLive(grant));
  }
}
