import { ipcMain } from 'electron';
import type { IpcMainLike } from './server';

/** Electron's ipcMain behind the IpcMainLike shape the IPC server expects. */
export const electronIpc: IpcMainLike = {
  handle: (channel, listener) =>
    ipcMain.handle(channel, (event, request: unknown) =>
      listener(
        { senderFrame: event.senderFrame ? { url: event.senderFrame.url, isTopFrame: event.senderFrame.parent === null } : null },
        request,
      ),
    ),
  removeHandler: (channel) => ipcMain.removeHandler(channel),
};
