import { z } from 'zod';
import { isoTimeSchema, officerSchema, searchQuerySchema } from './domain';

/**
 * Bulk retrieval jobs: what the renderer, the CLI and main exchange about them. A job retrieves
 * many recordings into an output folder, each audited before its file is written.
 */

/** Stored states. "blocked": Genesys refused the credentials; the job waits for new ones, it has not failed. */
export const jobStates = ['running', 'paused', 'blocked', 'cancelled', 'done', 'done-with-failures'] as const;
export type JobState = (typeof jobStates)[number];

/** As shown: a job stored as running whose process is gone (killed, crashed) is "interrupted". */
export const jobDisplayStates = [...jobStates, 'interrupted'] as const;
export type JobDisplayState = (typeof jobDisplayStates)[number];

export const jobItemStates = ['pending', 'fetching', 'done', 'failed', 'archived'] as const;
export type JobItemState = (typeof jobItemStates)[number];

/** Which Genesys API fetches the media: batch download jobs, one call per conversation, or chosen per job. */
export const jobApis = ['auto', 'batch', 'per-conversation'] as const;
export type JobApi = (typeof jobApis)[number];

export const jobSelectionSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('trading-ids'),
    /** The CSV file's name, or "list". */
    source: z.string(),
    tradingIds: z.number().int().nonnegative(),
    from: isoTimeSchema,
    to: isoTimeSchema,
  }),
  z.object({ kind: z.literal('queue'), queue: z.string(), from: isoTimeSchema, to: isoTimeSchema }),
  z.object({ kind: z.literal('search'), query: searchQuerySchema }),
]);
export type JobSelection = z.infer<typeof jobSelectionSchema>;

/** An input row that was not used, and why: the per-row report for a CSV of trading ids. */
export const inputProblemSchema = z.object({
  line: z.number().int().positive(),
  value: z.string(),
  problem: z.string(),
  /** The earlier line this row repeats: its trading ID is retrieved there, so nothing is missing. */
  duplicateOf: z.number().int().positive().optional(),
});
export type InputProblem = z.infer<typeof inputProblemSchema>;

/** Rows whose trading ID the job cannot deliver (unknown, malformed, without a recording): the request is not fully met. */
export const unmetRequests = (problems: ReadonlyArray<InputProblem>): Array<InputProblem> => problems.filter((p) => p.duplicateOf === undefined);

export const jobCountsSchema = z.object({
  /** Items known so far; grows while the recordings of listed conversations are discovered. */
  total: z.number().int().nonnegative(),
  pending: z.number().int().nonnegative(),
  fetching: z.number().int().nonnegative(),
  done: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  archived: z.number().int().nonnegative(),
});
export type JobCounts = z.infer<typeof jobCountsSchema>;

export const jobFailureSchema = z.object({
  conversationId: z.string(),
  recordingId: z.string().nullable(),
  tradingId: z.string().nullable(),
  state: z.enum(['failed', 'archived']),
  reason: z.string(),
});
export type JobFailure = z.infer<typeof jobFailureSchema>;

/**
 * Who a job runs for: an officer's job calls Genesys with her own token (and waits for her sign-in);
 * an unattended one runs under the service account and names the officer who scheduled it.
 */
export const jobRunAsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('officer'), officer: officerSchema }),
  z.object({ kind: z.literal('service'), scheduledBy: officerSchema }),
]);
export type JobRunAs = z.infer<typeof jobRunAsSchema>;

export const jobSummarySchema = z.object({
  id: z.string(),
  state: z.enum(jobDisplayStates),
  /** Why it is paused, blocked or interrupted, in words for the officer. */
  message: z.string().nullable(),
  caseReference: z.string(),
  selection: jobSelectionSchema,
  outDir: z.string(),
  api: z.enum(jobApis),
  concurrency: z.number().int().positive(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
  counts: jobCountsSchema,
  bytes: z.number().int().nonnegative(),
  /** Recordings per minute over the last half minute of this run; null when not running. */
  ratePerMinute: z.number().nonnegative().nullable(),
  etaSeconds: z.number().int().nonnegative().nullable(),
  inputProblems: z.number().int().nonnegative(),
  /** Absent or null: a job from before sign-in, run by the next officer who resumes it. */
  runAs: jobRunAsSchema.nullable().optional(),
  /** Paused until its officer signs in again (`message` names her); it then resumes. */
  awaitingSignIn: z.boolean().optional(),
});
export type JobSummary = z.infer<typeof jobSummarySchema>;

/** A progress push: the summary plus the latest failures, so a progress display needs no extra call. */
export const jobProgressSchema = jobSummarySchema.extend({ failures: z.array(jobFailureSchema) });
export type JobProgress = z.infer<typeof jobProgressSchema>;

export const jobDetailSchema = jobSummarySchema.extend({
  failures: z.array(jobFailureSchema),
  inputReport: z.array(inputProblemSchema),
});
export type JobDetail = z.infer<typeof jobDetailSchema>;

/** Job ids are UUIDs; a unique prefix of at least 6 characters is accepted where people type them. */
export const jobIdSchema = z.string().regex(/^[0-9a-f-]{6,36}$/i, 'not a job id');
