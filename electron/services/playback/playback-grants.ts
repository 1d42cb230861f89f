import { randomBytes } from 'node:crypto';
import type { Clock } from '../ports';

export type PlaybackGrant = {
  id: string;
  recordingId: string;
  path: string;
  contentType: string;
  sha256: string;
  auditEventId: string;
  expiresAt: number;
};

/**
 * Media is served only under a grant, and a grant exists only after the WORM audit record of the
 * play was acknowledged. The media protocol handler asks here; nothing else can open a recording.
 */
export class PlaybackGrants {
  private readonly grants = new Map<string, PlaybackGrant>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = 8 * 3_600_000,
  ) {}

  issue(grant: Omit<PlaybackGrant, 'id' | 'expiresAt'>): PlaybackGrant {
    this.prune();
    const issued = { ...grant, id: randomBytes(16).toString('base64url'), expiresAt: this.clock.now() + this.ttlMs };
    this.grants.set(issued.id, issued);
    return issued;
  }

  /** The grant if it exists, is unexpired and is for this recording. */
  check(grantId: string, recordingId: string): PlaybackGrant | null {
    const grant = this.grants.get(grantId);
    if (!grant || grant.recordingId !== recordingId || grant.expiresAt <= this.clock.now()) return null;
    return grant;
  }

  /** The newest live grant for a recording: waveforms are drawn only for audited plays. */
  latestFor(recordingId: string): PlaybackGrant | null {
    let latest: PlaybackGrant | null = null;
    for (const grant of this.grants.values()) {
      if (grant.recordingId === recordingId && grant.expiresAt > this.clock.now() && (!latest || grant.expiresAt > latest.expiresAt)) {
        latest = grant;
      }
    }
    return latest;
  }

  revokeAll(): void {
    this.grants.clear();
  }

  private prune(): void {
    const now = this.clock.now();
    for (const [id, grant] of this.grants) if (grant.expiresAt <= now) this.grants.delete(id);
  }
}
