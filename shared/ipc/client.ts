import type { AppErrorPayload } from '../errors';
import {
  envelopeSchema,
  eventChannels,
  invokeChannels,
  methodName,
  type EventChannel,
  type EventPayload,
  type InvokeChannel,
  type InvokeRequest,
  type InvokeResponse,
} from './contract';

/** Raw transport: Electron's ipcRenderer in the preload, Playwright bindings in the browser shell. */
export type IpcTransport = {
  invoke(channel: InvokeChannel, request: unknown): Promise<unknown>;
  subscribe(channel: EventChannel, listener: (payload: unknown) => void): () => void;
};

/** An error from main, rebuilt on the renderer side with its code. */
export class CustodyError extends Error {
  readonly code: AppErrorPayload['code'];
  readonly retryable: boolean;
  readonly details: AppErrorPayload['details'];
  constructor(payload: AppErrorPayload) {
    super(payload.message);
    this.name = 'CustodyError';
    this.code = payload.code;
    this.retryable = payload.retryable;
    this.details = payload.details;
  }
}

type CamelChannel<S extends string> = S extends `${infer A}:${infer B}` ? `${A}${Capitalize<B>}` : S;

export type CustodyApi = {
  [C in InvokeChannel as CamelChannel<C>]: (request: InvokeRequest<C>) => Promise<InvokeResponse<C>>;
} & {
  on<E extends EventChannel>(channel: E, listener: (payload: EventPayload<E>) => void): () => void;
};

/** Builds the typed API the renderer sees: one function per contract entry, errors rebuilt. */
export function createCustodyApi(transport: IpcTransport): CustodyApi {
  const api: Record<string, unknown> = {};
  for (const channel of Object.keys(invokeChannels) as Array<InvokeChannel>) {
    api[methodName(channel)] = async (request: unknown) => {
      const envelope = envelopeSchema.parse(await transport.invoke(channel, request ?? {}));
      if (!envelope.ok) throw new CustodyError(envelope.error);
      return envelope.value;
    };
  }
  api.on = (channel: EventChannel, listener: (payload: unknown) => void) => {
    if (!Object.hasOwn(eventChannels, channel)) throw new Error(`unknown event channel ${String(channel)}`);
    return transport.subscribe(channel, (payload) => listener(payload));
  };
  return api as CustodyApi;
}
