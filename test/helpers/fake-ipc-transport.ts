import { z } from 'zod';
import type { AppErrorPayload } from '../../shared/errors';
import type { IpcTransport } from '../../shared/ipc/client';
import {
  eventChannels,
  invokeChannels,
  methodName,
  type Envelope,
  type EventChannel,
  type EventPayload,
  type InvokeChannel,
  type InvokeResponse,
  type ParsedRequest,
} from '../../shared/ipc/contract';

/** Thrown by a fake handler to answer with an error envelope, as main's IPC server does for an AppError. */
export class FakeIpcError extends Error {
  readonly payload: AppErrorPayload;
  constructor(code: AppErrorPayload['code'], message: string, details?: Record<string, unknown>) {
    super(message);
    this.payload = { code, message, retryable: code === 'AUDIT_UNAVAILABLE', ...(details ? { details } : {}) };
  }
}

type CamelChannel<S extends string> = S extends `${infer A}:${infer B}` ? `${A}${Capitalize<B>}` : S;

/** Handlers named like the `CustodyApi` methods (`recordingsSearch`), receiving the validated request. */
export type FakeHandlers = {
  [C in InvokeChannel as CamelChannel<C>]?: (request: ParsedRequest<C>) => InvokeResponse<C> | Promise<InvokeResponse<C>>;
};

export type FakeIpcTransport = IpcTransport & {
  readonly calls: Array<{ channel: InvokeChannel; request: unknown }>;
  callsTo(channel: InvokeChannel): Array<unknown>;
  emit<E extends EventChannel>(channel: E, payload: EventPayload<E>): void;
};

/**
 * An in-memory stand-in for main's IPC server: it validates every request and response against the
 * contract, so a renderer that sends a malformed request fails the test, and answers with envelopes.
 */
export function createFakeIpcTransport(handlers: FakeHandlers): FakeIpcTransport {
  const calls: Array<{ channel: InvokeChannel; request: unknown }> = [];
  const listeners = new Map<EventChannel, Set<(payload: unknown) => void>>();

  async function invoke(channel: InvokeChannel, request: unknown): Promise<Envelope> {
    calls.push({ channel, request });
    const parsed = invokeChannels[channel].request.safeParse(request);
    if (!parsed.success) {
      return {
        ok: false,
        // The same answer as main's IPC server (electron/main/ipc/server.ts).
        error: { code: 'VALIDATION', message: `Invalid request for ${channel}: ${z.prettifyError(parsed.error)}`, retryable: false },
      };
    }
    const handler = (handlers as Record<string, unknown>)[methodName(channel)] as ((req: unknown) => unknown) | undefined;
    if (!handler) return { ok: false, error: { code: 'INTERNAL', message: `no fake for ${channel}`, retryable: false } };
    try {
      const value = await handler(parsed.data);
      return { ok: true, value: invokeChannels[channel].response.parse(value) };
    } catch (error) {
      if (error instanceof FakeIpcError) return { ok: false, error: error.payload };
      throw error;
    }
  }

  return {
    calls,
    callsTo: (channel) => calls.filter((c) => c.channel === channel).map((c) => c.request),
    invoke,
    subscribe(channel, listener) {
      const set = listeners.get(channel) ?? new Set();
      set.add(listener);
      listeners.set(channel, set);
      return () => set.delete(listener);
    },
    emit(channel, payload) {
      const valid = eventChannels[channel].parse(payload);
      for (const listener of listeners.get(channel) ?? []) listener(valid);
    },
  };
}
