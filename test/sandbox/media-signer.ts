import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Pre-signed media URLs, like the S3/CloudFront URLs Genesys hands out: the token in the path carries the grant and
 * its expiry, signed with a per-process key, so media needs no Authorization header.
 */

export type MediaGrant = {
  conversationId: string;
  recordingId: string;
  /** Epoch ms. */
  expiresAt: number;
  /** 'transcript': the speech analytics transcript JSON of the recording's communication, not its audio. */
  kind: 'playback' | 'batch' | 'transcript';
  /** Serve as an attachment with this name (download=true&fileName=). */
  fileName?: string;
};

export class MediaSigner {
  private readonly key = randomBytes(32);

  sign(grant: Readonly<MediaGrant>): string {
    const payload = Buffer.from(
      JSON.stringify({ c: grant.conversationId, r: grant.recordingId, e: grant.expiresAt, k: grant.kind, f: grant.fileName }),
    ).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  /** The grant, or null when the token was not issued by this sandbox (tampered or from another run). */
  verify(token: string): MediaGrant | null {
    const [payload, signature, ...rest] = token.split('.');
    if (!payload || !signature || rest.length > 0) return null;
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    try {
      const data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { c: string; r: string; e: number; k: MediaGrant['kind']; f?: string };
      return { conversationId: data.c, recordingId: data.r, expiresAt: data.e, kind: data.k, ...(data.f ? { fileName: data.f } : {}) };
    } catch {
      return null;
    }
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url').slice(0, 32);
  }
}
