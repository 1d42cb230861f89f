import { z } from 'zod';
import { officerSchema } from './domain';
import { hasUnsafeText } from './unsafe-text';

/**
 * An officer's note on a time range of a recording. Every creation, edit and deletion is its own
 * 'annotate' WORM audit event carrying the note's text, so the history is the audit log's; the index
 * keeps the current version and the history for display.
 */

/** A note may span lines; other control and bidi characters are refused. */
export const annotationNoteSchema = z
  .string()
  .trim()
  .min(1, 'the note is empty')
  .max(4000)
  .refine((text) => !hasUnsafeText(text.replace(/\n/g, ' ')), 'must not contain control characters');

/** Annotation ids are UUIDs minted by Custody (they also name excerpt files in packs). */
export const annotationIdSchema = z.string().uuid('not an annotation id');

export const annotationRangeSchema = z
  .object({ fromMs: z.number().int().nonnegative(), toMs: z.number().int().nonnegative() })
  .refine((r) => r.fromMs < r.toMs, 'the range must end after it starts');

export const annotationSchema = z.object({
  annotationId: z.string(),
  recordingId: z.string(),
  conversationId: z.string(),
  fromMs: z.number().int().nonnegative(),
  toMs: z.number().int().nonnegative(),
  note: z.string(),
  /** The case current when this version was written. */
  caseReference: z.string().nullable(),
  /** 1 when created; each edit or deletion adds one. */
  version: z.number().int().positive(),
  deleted: z.boolean(),
  createdAt: z.string(),
  createdBy: officerSchema,
  updatedAt: z.string(),
  updatedBy: officerSchema,
  /** The 'annotate' audit event of this version. */
  auditEventId: z.string(),
});
export type Annotation = z.infer<typeof annotationSchema>;
