import { z } from 'zod';

export const postureStatuses = ['pass', 'fail', 'unknown'] as const;
export type PostureStatus = (typeof postureStatuses)[number];

export const postureTargets = ['archive-bucket', 'audit-bucket', 'genesys', 'trades', 'unattended'] as const;
export type PostureTarget = (typeof postureTargets)[number];

/** One check of the live configuration against MiFID II expectations, with what it was decided on. */
export const postureCheckSchema = z.object({
  id: z.string(),
  target: z.enum(postureTargets),
  /** The bucket name or the Genesys org. */
  subject: z.string(),
  title: z.string(),
  status: z.enum(postureStatuses),
  summary: z.string(),
  /** What the system answered (the configuration read), never a secret. */
  evidence: z.record(z.string(), z.unknown()),
});
export type PostureCheck = z.infer<typeof postureCheckSchema>;

export const postureReportSchema = z.object({
  id: z.string(),
  checkedAt: z.string(),
  profile: z.string(),
  provider: z.enum(['aws', 's3-compatible']),
  jurisdiction: z.string().nullable(),
  checks: z.array(postureCheckSchema),
  counts: z.object({ pass: z.number().int(), fail: z.number().int(), unknown: z.number().int() }),
  auditEventId: z.string(),
});
export type PostureReport = z.infer<typeof postureReportSchema>;
