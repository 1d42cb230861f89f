import { z } from 'zod';
import { caseReferenceSchema, conversationIdSchema, officerSchema, tradingIdSchema, workstationSchema } from './domain';
import { holdIdSchema } from './holds';
import { printableTextSchema } from './unsafe-text';

/**
 * Four-eyes approvals: one signed-in officer requests an action, a different signed-in officer approves
 * it. Both are locked objects in the WORM audit bucket (any workstation reads them), so these schemas
 * validate what is read back as well as what is written.
 */
export const approvalKinds = ['hold-release', 'export', 'restricted-play'] as const;
export type ApprovalKind = (typeof approvalKinds)[number];

export const approvalRequestIdSchema = z.uuid({ version: 'v7', message: 'not an approval request id' });
export const approvalReasonSchema = printableTextSchema(500).min(3, 'give a reason of at least 3 characters');

/** What each kind of request is about: a hold, an export under a case, the play of one restricted call. */
export const approvalSubjectSchemas = {
  'hold-release': z.object({ holdId: holdIdSchema, tradingId: tradingIdSchema, caseReference: caseReferenceSchema }).strict(),
  export: z.object({ caseReference: caseReferenceSchema }).strict(),
  'restricted-play': z.object({ conversationId: conversationIdSchema }).strict(),
} as const;
export type ApprovalSubject<K extends ApprovalKind> = z.infer<(typeof approvalSubjectSchemas)[K]>;

/** Genesys user ids name objects in the bucket: letters, digits and '-' only. */
const approverIdSchema = officerSchema.extend({ genesysUserId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'not a Genesys user id') });
const isoTime = z.iso.datetime();

const requestFields = {
  schema: z.literal('custody.approval-request.v1'),
  requestId: approvalRequestIdSchema,
  reason: approvalReasonSchema,
  requestedBy: approverIdSchema,
  workstation: workstationSchema,
  requestedAt: isoTime,
  /** The request and any approval of it are void after this. */
  expiresAt: isoTime,
};

export const approvalRequestSchema = z.discriminatedUnion('kind', [
  z.object({ ...requestFields, kind: z.literal('hold-release'), subject: approvalSubjectSchemas['hold-release'] }).strict(),
  z.object({ ...requestFields, kind: z.literal('export'), subject: approvalSubjectSchemas.export }).strict(),
  z.object({ ...requestFields, kind: z.literal('restricted-play'), subject: approvalSubjectSchemas['restricted-play'] }).strict(),
]);
export type ApprovalRequest = z.infer<typeof approvalRequestSchema>;

export const approvalSchema = z
  .object({
    schema: z.literal('custody.approval.v1'),
    requestId: approvalRequestIdSchema,
    /** SHA-256 of the request object's bytes: the approval covers exactly that request. */
    requestSha256: z.string().regex(/^[0-9a-f]{64}$/),
    approvedBy: approverIdSchema,
    workstation: workstationSchema,
    approvedAt: isoTime,
  })
  .strict();
export type Approval = z.infer<typeof approvalSchema>;

/** A request as officers see it, with its approvals and where it stands now. */
export type ApprovalView = {
  request: ApprovalRequest;
  approvals: Array<Approval>;
  status: 'pending' | 'approved' | 'expired';
};
