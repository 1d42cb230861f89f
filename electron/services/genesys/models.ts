import { z } from 'zod';
import { conversationIdSchema, recordingIdSchema } from '../../../shared/domain';
import { externalTextSchema } from '../../../shared/unsafe-text';

/**
 * The parts of Genesys responses Custody relies on. Genesys omits keys rather than sending null,
 * so nearly everything is optional; what we need is required and checked. Every answer is hostile
 * input: conversation and recording IDs must match the IPC contract's ID rules (they become file
 * names), and names and attributes keep their controls and bidi characters only as visible escapes.
 */
const attributesSchema = z.record(z.string(), externalTextSchema);
const segmentSchema = z.looseObject({
  segmentStart: z.string().optional(),
  segmentEnd: z.string().optional(),
  segmentType: z.string().optional(),
  queueId: z.string().optional(),
});
const sessionSchema = z.looseObject({
  mediaType: z.string().optional(),
  direction: z.string().optional(),
  recording: z.boolean().optional(),
  segments: z.array(segmentSchema).optional(),
});
export const analyticsParticipantSchema = z.looseObject({
  participantId: z.string().optional(),
  participantName: externalTextSchema.optional(),
  purpose: z.string().optional(),
  userId: z.string().optional(),
  attributes: attributesSchema.optional(),
  sessions: z.array(sessionSchema).optional(),
});
export const analyticsConversationSchema = z.looseObject({
  conversationId: conversationIdSchema,
  conversationStart: z.string(),
  conversationEnd: z.string().optional(),
  originatingDirection: z.string().optional(),
  divisionIds: z.array(z.string()).optional(),
  participants: z.array(analyticsParticipantSchema).optional(),
});
export type AnalyticsConversation = z.infer<typeof analyticsConversationSchema>;

export const detailsQueryResponseSchema = z.looseObject({
  conversations: z.array(analyticsConversationSchema).optional(),
  totalHits: z.number().optional(),
});

export const attributeSearchResponseSchema = z.looseObject({
  results: z.array(
    z.looseObject({
      conversationId: conversationIdSchema,
      startTime: z.string().optional(),
      participantData: z
        .array(
          z.looseObject({
            participantPurpose: z.string().optional(),
            participantAttributes: attributesSchema.optional(),
          }),
        )
        .optional(),
    }),
  ),
  cursor: z.string().optional(),
});

const entityListing = <T extends z.ZodType>(entity: T) =>
  z.looseObject({
    entities: z.array(entity).optional(),
    pageNumber: z.number().optional(),
    pageCount: z.number().optional(),
  });
export const queueListingSchema = entityListing(z.looseObject({ id: z.string(), name: externalTextSchema }));
export const userListingSchema = entityListing(z.looseObject({ id: z.string(), name: externalTextSchema, email: externalTextSchema.optional() }));

export const fileStateSchema = z.enum(['AVAILABLE', 'ARCHIVED', 'DELETED', 'RESTORED', 'RESTORING', 'UPLOADING', 'ERROR']);

export const recordingMetadataSchema = z.looseObject({
  id: recordingIdSchema,
  conversationId: conversationIdSchema.optional(),
  startTime: z.string().optional(),
  endTime: z.string().optional(),
  media: z.string().optional(),
  fileState: fileStateSchema.optional(),
  archiveDate: z.string().optional(),
  deleteDate: z.string().optional(),
  /** The recorded communication: the id speech analytics keys its transcript by. */
  sessionId: z.string().max(128).optional(),
});
export type RecordingMetadata = z.infer<typeof recordingMetadataSchema>;

export const recordingSchema = recordingMetadataSchema.extend({
  mediaUris: z.record(z.string(), z.looseObject({ mediaUri: z.string().optional() })).optional(),
  outputDurationMs: z.number().optional(),
  outputSizeInBytes: z.number().optional(),
});
export type Recording = z.infer<typeof recordingSchema>;

/** POST /api/v2/recording/batchrequests */
export const batchSubmissionSchema = z.looseObject({ id: z.string().min(1) });

/** GET /api/v2/recording/batchrequests/{jobId}: results appear while the job is InProgress. */
export const batchStatusSchema = z.looseObject({
  id: z.string().optional(),
  status: z.string().optional(),
  expectedResultCount: z.number().optional(),
  resultCount: z.number().optional(),
  errorCount: z.number().optional(),
  results: z
    .array(
      z.looseObject({
        conversationId: conversationIdSchema,
        recordingId: recordingIdSchema.optional(),
        resultUrl: z.string().optional(),
        contentType: z.string().optional(),
        errorMsg: z.string().optional(),
      }),
    )
    .optional(),
});
export type BatchStatus = z.infer<typeof batchStatusSchema>;

/** POST /api/v2/analytics/conversations/details/jobs (202). */
export const detailsJobSubmissionSchema = z.looseObject({ jobId: z.string().min(1) });

export const detailsJobStatusSchema = z.looseObject({
  state: z.string(),
  errorMessage: z.string().optional(),
});

/** Results of a details job: conversations WITH participant attributes. */
export const detailsJobResultsSchema = z.looseObject({
  conversations: z.array(analyticsConversationSchema).optional(),
  cursor: z.string().optional(),
  dataAvailabilityDate: z.string().optional(),
});

export const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
});

export const conversationSchema = z.looseObject({
  id: conversationIdSchema,
  startTime: z.string(),
  endTime: z.string().optional(),
  participants: z.array(
    z.looseObject({
      purpose: z.string().optional(),
      name: externalTextSchema.optional(),
      userId: z.string().optional(),
      queueId: z.string().optional(),
      queueName: externalTextSchema.optional(),
      direction: z.string().optional(),
      attributes: attributesSchema.optional(),
    }),
  ),
});
export type Conversation = z.infer<typeof conversationSchema>;

/** `Policy` of GET /api/v2/recording/mediaretentionpolicies: only what the posture check reads. */
const policyConditionsSchema = z.looseObject({
  forQueues: z.array(z.looseObject({ id: z.string().optional(), name: externalTextSchema.optional() })).optional(),
  directions: z.array(z.string()).optional(),
});
const retentionDurationSchema = z.looseObject({
  archiveRetention: z.looseObject({ days: z.number().optional(), storageMedium: z.string().optional() }).optional(),
  deleteRetention: z.looseObject({ days: z.number().optional() }).optional(),
});
const policyActionsSchema = z.looseObject({
  retainRecording: z.boolean().optional(),
  deleteRecording: z.boolean().optional(),
  alwaysDelete: z.boolean().optional(),
  retentionDuration: retentionDurationSchema.optional(),
});
const mediaPolicySchema = z.looseObject({ actions: policyActionsSchema.optional(), conditions: policyConditionsSchema.optional() });
export const retentionPolicySchema = z.looseObject({
  id: z.string(),
  name: externalTextSchema,
  enabled: z.boolean().optional(),
  order: z.number().optional(),
  mediaPolicies: z.looseObject({ callPolicy: mediaPolicySchema.optional() }).optional(),
  conditions: policyConditionsSchema.optional(),
  actions: policyActionsSchema.optional(),
});
export type RetentionPolicy = z.infer<typeof retentionPolicySchema>;
export const retentionPolicyListingSchema = entityListing(retentionPolicySchema);

export const organizationSchema = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
});
export type Organization = z.infer<typeof organizationSchema>;

/** A recording bulk job (POST/GET/PUT /api/v2/recording/jobs): Genesys's own archive, delete or export of recordings. */
export const recordingJobSchema = z.looseObject({
  id: z.string().min(1),
  state: z.string(),
  totalConversations: z.number().optional(),
  totalRecordings: z.number().optional(),
  totalSkippedRecordings: z.number().optional(),
  totalFailedRecordings: z.number().optional(),
  totalProcessedRecordings: z.number().optional(),
  percentProgress: z.number().optional(),
  errorMessage: z.string().optional(),
});
export type RecordingJob = z.infer<typeof recordingJobSchema>;

/** GET /api/v2/recording/jobs/{jobId}/failedrecordings */
export const failedRecordingsSchema = z.looseObject({
  entities: z
    .array(z.looseObject({ conversation: z.looseObject({ id: z.string().optional() }).optional(), recording: z.looseObject({ id: z.string().optional() }).optional() }))
    .optional(),
  pageCount: z.number().optional(),
});

export const recordingSettingsSchema = z.looseObject({ regionalRecordingStorageEnabled: z.boolean().optional() });

export const deletionProtectionResultSchema = z.looseObject({
  failedUpdates: z
    .array(
      z.looseObject({
        conversation: z.looseObject({ id: z.string().optional() }).optional(),
        errorCode: z.string().optional(),
        errorMessage: z.string().optional(),
      }),
    )
    .optional(),
});

/** GET .../speechandtextanalytics/conversations/{id}/communications/{id}/transcripturl (Models.TranscriptUrl): a pre-signed link. */
export const transcriptUrlSchema = z.looseObject({ url: z.url({ protocol: /^https?$/ }).max(8_192) });
