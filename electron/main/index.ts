// The Electron entry point: lifecycle and Electron-only wiring. Everything it serves comes from
// plain modules (app-host, protocol, ipc/server) that tests and the browser shell run without Electron.
import { app, BrowserWindow, protocol, session, shell } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeEngine } from '../services/composition';
import { hostEngine } from './app-host';
import { createEmitter } from './ipc/emit';
import { electronIpc } from './ipc/electron-ipc';
import { APP_ORIGIN, isAllowedExternalUrl } from './security';
import { mainWindowOptions } from './window-options';

const here = dirname(fileURLToPath(import.meta.url));
const EXTERNAL_LINK_HOSTS: ReadonlyArray<string> = ['developer.genesys.cloud', 'help.mypurecloud.com'];

protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
  { scheme: 'media', privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true } },
]);
app.enableSandbox();

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url, EXTERNAL_LINK_HOSTS)) void shell.openExternal(url);
    return { action: 'deny' };
  });
});

await app.whenReady();
session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
session.defaultSession.setPermissionCheckHandler(() => false);

const composed = await composeEngine({ profile: process.env.CUSTODY_PROFILE ?? 'default', mediaUrlBase: 'media://recording/' });
const host = hostEngine(composed, {
  ipc: electronIpc,
  emit: createEmitter(() => BrowserWindow.getAllWindows().map((w) => w.webContents)),
  trustedOrigin: APP_ORIGIN,
  rendererDir: join(here, '..', 'renderer'),
  validateResponses: !app.isPackaged,
});
protocol.handle('app', host.appHandler);
protocol.handle('media', host.mediaHandler);

const window = new BrowserWindow(mainWindowOptions(join(here, 'preload.cjs')));
window.once('ready-to-show', () => window.show());
await window.loadURL(`${APP_ORIGIN}/index.html`);

app.on('window-all-closed', () => {
  host.dispose();
  void composed.close();
  app.quit();
});
