import { z } from 'zod';
import { searchQuerySchema } from '../../domain';
import { jobDetailSchema, jobIdSchema, jobProgressSchema, jobSummarySchema } from '../../jobs';

/** Bulk retrieval jobs: list, inspect, start from a search result, pause, resume, cancel. */
export const jobsChannels = {
  'jobs:list': { request: z.object({}).strict(), response: z.object({ jobs: z.array(jobSummarySchema) }) },
  'jobs:get': { request: z.object({ jobId: jobIdSchema }).strict(), response: jobDetailSchema },
  /** Retrieves every recording matching the search, under the session's case reference, into a folder main chooses. */
  'jobs:startFromSearch': { request: z.object({ query: searchQuerySchema }).strict(), response: jobSummarySchema },
  'jobs:pause': { request: z.object({ jobId: jobIdSchema }).strict(), response: jobSummarySchema },
  'jobs:resume': { request: z.object({ jobId: jobIdSchema }).strict(), response: jobSummarySchema },
  'jobs:cancel': { request: z.object({ jobId: jobIdSchema }).strict(), response: jobSummarySchema },
} as const;

export const jobsEvents = {
  'jobs:progress': jobProgressSchema,
} as const;
