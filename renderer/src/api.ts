import { createContext, createElement, useContext, type ReactNode } from 'react';
import { createCustodyApi, type CustodyApi, type IpcTransport } from '../../shared/ipc/client';

type WindowWithIpc = Window & { custodyIpc?: IpcTransport };

/** The typed API over the transport the preload (or the browser shell) put on `window.custodyIpc`. */
export function createApiFromWindow(win: Window): CustodyApi {
  const transport = (win as WindowWithIpc).custodyIpc;
  if (!transport) throw new Error('window.custodyIpc is missing: the preload did not expose the IPC transport.');
  return createCustodyApi(transport);
}

const CustodyApiContext = createContext<CustodyApi | null>(null);

/** Provides the API to the tree; tests pass a fake `CustodyApi` here. */
export function CustodyApiProvider({ api, children }: { api: CustodyApi; children: ReactNode }) {
  return createElement(CustodyApiContext.Provider, { value: api }, children);
}

export function useCustodyApi(): CustodyApi {
  const api = useContext(CustodyApiContext);
  if (!api) throw new Error('useCustodyApi must be used inside <CustodyApiProvider>.');
  return api;
}
