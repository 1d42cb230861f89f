import { contextBridge, ipcRenderer } from 'electron';
import { isEventChannel, isInvokeChannel } from '../../shared/ipc/contract';

/**
 * Exposes only the contract's transport: invoke on known channels, and subscriptions that hand the
 * listener the payload alone, never Electron's event object (checklist item 20). The typed API is
 * built in the renderer from the same contract (shared/ipc/client.ts), where errors are rebuilt.
 */
contextBridge.exposeInMainWorld('custodyIpc', {
  invoke(channel: string, request: unknown): Promise<unknown> {
    if (!isInvokeChannel(channel)) return Promise.reject(new Error(`unknown IPC channel ${channel}`));
    return ipcRenderer.invoke(channel, request);
  },
  subscribe(channel: string, listener: (payload: unknown) => void): () => void {
    if (!isEventChannel(channel)) throw new Error(`unknown event channel ${channel}`);
    const forward = (_event: unknown, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, forward);
    return () => {
      ipcRenderer.removeListener(channel, forward);
    };
  },
});
