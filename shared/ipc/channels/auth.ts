import { z } from 'zod';
import { isoTimeSchema, officerSchema } from '../../domain';

/**
 * The signed-in officer as the renderer sees her: who she is, which of the permissions Custody checks Genesys
 * granted her, and when her access token expires. Strict: no token, code or verifier can ride along.
 */
export const officerViewSchema = officerSchema
  .extend({
    permissions: z.array(z.object({ permission: z.string().max(200), granted: z.boolean() }).strict()).max(50),
    signedInAt: isoTimeSchema,
    /** When the current access token expires (it is refreshed on use); null before Custody first used it. */
    accessExpiresAt: isoTimeSchema.nullable(),
  })
  .strict();
export type OfficerView = z.infer<typeof officerViewSchema>;

/** Officer sign-in: who is signed in, signing in through the system browser (PKCE), cancelling that, signing out. */
export const authChannels = {
  'auth:current': { request: z.object({}).strict(), response: z.object({ officer: officerViewSchema.nullable() }).strict() },
  /** Opens Genesys's login page in the browser and answers once the redirect arrived and the officer is known. */
  'auth:signIn': { request: z.object({}).strict(), response: z.object({ officer: officerViewSchema }).strict() },
  /** Ends a sign-in still waiting for the browser (its auth:signIn answers SIGNIN_REQUIRED); false when none was. */
  'auth:cancelSignIn': { request: z.object({}).strict(), response: z.object({ cancelled: z.boolean() }).strict() },
  /** Revokes the officer's token at Genesys where it can, and forgets it; `revoked`: Genesys confirmed. */
  'auth:signOut': { request: z.object({}).strict(), response: z.object({ revoked: z.boolean() }).strict() },
} as const;

export const authEvents = {
  /** Someone signed in or out, or the sign-in was lost (Genesys refused the refresh token). */
  'auth:changed': z.object({ officer: officerViewSchema.nullable() }).strict(),
} as const;
