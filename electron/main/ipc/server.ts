import { z } from 'zod';
import type { AppErrorPayload } from '../../../shared/errors';
import {
  invokeChannels,
  type Envelope,
  type InvokeChannel,
  type InvokeResponse,
  type ParsedRequest,
} from '../../../shared/ipc/contract';
import type { Logger } from '../../../shared/logger';

/** What the server needs from Electron's ipcMain; the browser shell provides the same shape. */
export type IpcInvokeEventLike = { senderFrame: { url: string; isTopFrame: boolean } | null };
export type IpcMainLike = {
  handle(channel: string, listener: (event: IpcInvokeEventLike, request: unknown) => Promise<Envelope>): void;
  removeHandler(channel: string): void;
};

/** One handler per contract channel; a missing one is a compile error. */
export type IpcHandlers = { [C in InvokeChannel]: (request: ParsedRequest<C>) => Promise<InvokeResponse<C>> };

/** The handlers of one channel group (shared/ipc/channels/<domain>.ts). */
export type HandlersFor<G> = { [C in keyof G & InvokeChannel]: IpcHandlers[C] };

export type IpcServerOptions = {
  /** Only frames of the app's own origin may call (Electron checklist item 17). */
  isTrustedOrigin: (frameUrl: string) => boolean;
  /** Check responses against the contract too (dev and test builds). */
  validateResponses: boolean;
  toPayload: (error: unknown) => AppErrorPayload;
  logger: Logger;
};

/**
 * The only place that registers IPC handlers. For every call it checks the sender, validates the
 * request against the contract, runs the handler and wraps the outcome in an envelope, so that
 * errors cross the boundary as data with their code.
 */
export function installIpcServer(ipc: IpcMainLike, handlers: IpcHandlers, options: IpcServerOptions): () => void {
  const channels = Object.keys(invokeChannels) as Array<InvokeChannel>;
  for (const channel of channels) {
    const contract = invokeChannels[channel];
    const handler = handlers[channel] as (request: unknown) => Promise<unknown>;
    ipc.handle(channel, async (event, request): Promise<Envelope> => {
      const frame = event.senderFrame;
      if (!frame || !frame.isTopFrame || !options.isTrustedOrigin(frame.url)) {
        options.logger.warn('IPC call from an untrusted frame refused', { channel, frameUrl: frame?.url ?? null });
        return { ok: false, error: { code: 'VALIDATION', message: 'This frame may not call Custody.', retryable: false } };
      }
      const parsed = (contract.request as z.ZodType).safeParse(request);
      if (!parsed.success) {
        return {
          ok: false,
          error: {
            code: 'VALIDATION',
            message: `Invalid request for ${channel}: ${z.prettifyError(parsed.error)}`,
            retryable: false,
          },
        };
      }
      try {
        const value = await handler(parsed.data);
        if (options.validateResponses) (contract.response as z.ZodType).parse(value);
        return { ok: true, value };
      } catch (error) {
        const payload = options.toPayload(error);
        if (payload.code === 'INTERNAL') options.logger.error('IPC handler failed', { channel, error });
        return { ok: false, error: payload };
      }
    });
  }
  return () => {
    for (const channel of channels) ipc.removeHandler(channel);
  };
}
