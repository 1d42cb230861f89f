import { z } from 'zod';
import { appErrorPayloadSchema } from '../errors';
import { annotationsChannels, annotationsEvents } from './channels/annotations';
import { auditChannels, auditEvents } from './channels/audit';
import { authChannels, authEvents } from './channels/auth';
import { healthChannels, healthEvents } from './channels/health';
import { holdsChannels, holdsEvents } from './channels/holds';
import { packsChannels, packsEvents } from './channels/packs';
import { postureChannels, postureEvents } from './channels/posture';
import { jobsChannels, jobsEvents } from './channels/jobs';
import { recordingsChannels, recordingsEvents } from './channels/recordings';
import { reviewChannels, reviewEvents } from './channels/review';
import { tradesChannels, tradesEvents } from './channels/trades';
import { transcriptsChannels, transcriptsEvents } from './channels/transcripts';

/**
 * The one IPC contract between renderer and main, assembled from one group per domain
 * (shared/ipc/channels/). Every channel takes one object and answers one object; main validates
 * requests with these schemas before any handler runs.
 */
export const invokeChannels = {
  ...recordingsChannels,
  ...auditChannels,
  ...packsChannels,
  ...reviewChannels,
  ...holdsChannels,
  ...postureChannels,
  ...jobsChannels,
  ...authChannels,
  ...healthChannels,
  ...annotationsChannels,
  ...transcriptsChannels,
  ...tradesChannels,
} as const;

/** Pushes from main to the renderer. */
export const eventChannels = {
  ...recordingsEvents,
  ...auditEvents,
  ...packsEvents,
  ...reviewEvents,
  ...holdsEvents,
  ...postureEvents,
  ...jobsEvents,
  ...authEvents,
  ...healthEvents,
  ...annotationsEvents,
  ...transcriptsEvents,
  ...tradesEvents,
} as const;

export type InvokeChannel = keyof typeof invokeChannels;
export type EventChannel = keyof typeof eventChannels;
export type InvokeRequest<C extends InvokeChannel> = z.input<(typeof invokeChannels)[C]['request']>;
export type ParsedRequest<C extends InvokeChannel> = z.output<(typeof invokeChannels)[C]['request']>;
export type InvokeResponse<C extends InvokeChannel> = z.infer<(typeof invokeChannels)[C]['response']>;
export type EventPayload<E extends EventChannel> = z.infer<(typeof eventChannels)[E]>;

/** What crosses the boundary: errors survive as data, not as thrown objects (Signal's wrapResult). */
export const envelopeSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: appErrorPayloadSchema }),
]);
export type Envelope = z.infer<typeof envelopeSchema>;

export const isInvokeChannel = (name: string): name is InvokeChannel => Object.hasOwn(invokeChannels, name);
export const isEventChannel = (name: string): name is EventChannel => Object.hasOwn(eventChannels, name);

/** `session:get` -> `sessionGet`: the method name on the renderer's API object. */
export function methodName(channel: string): string {
  return channel.replace(/[:-](\w)/g, (_, c: string) => c.toUpperCase());
}
