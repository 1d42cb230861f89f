import { z } from 'zod';
import { annotationIdSchema, annotationSchema } from '../../annotations';
import { recordingIdSchema } from '../../domain';

const offsetMsSchema = z.number().int().nonnegative();

/** Officers' notes on ranges of a recording; each change is audited under the session's case before it is stored. */
export const annotationsChannels = {
  'annotations:list': {
    request: z.object({ recordingId: recordingIdSchema, includeDeleted: z.boolean().optional() }).strict(),
    response: z.object({ annotations: z.array(annotationSchema) }),
  },
  /** Every version of one annotation, oldest first. */
  'annotations:history': {
    request: z.object({ annotationId: annotationIdSchema }).strict(),
    response: z.object({ versions: z.array(annotationSchema) }),
  },
  'annotations:create': {
    request: z.object({ recordingId: recordingIdSchema, fromMs: offsetMsSchema, toMs: offsetMsSchema, note: z.string().max(4000) }).strict(),
    response: annotationSchema,
  },
  'annotations:edit': {
    request: z
      .object({ annotationId: annotationIdSchema, fromMs: offsetMsSchema.optional(), toMs: offsetMsSchema.optional(), note: z.string().max(4000).optional() })
      .strict(),
    response: annotationSchema,
  },
  'annotations:delete': { request: z.object({ annotationId: annotationIdSchema }).strict(), response: annotationSchema },
} as const;

export const annotationsEvents = {} as const;
