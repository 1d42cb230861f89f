// The Electron entry point: lifecycle and Electron-only wiring. Everything it serves comes from
// plain modules (app-host, protocol, ipc/server) that tests and the browser shell run without Electron.
import { app, BrowserWindow, protocol, session, shell } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeEngine } from '../services/composition/compose-engine';
import { composeReview } from '../services/composition/compose-review';
import { syncPendingReviewJournal } from '../services/review/sync-on-start';
import { withinBudget } from '../services/shutdown';
import { hostEngine } from './app-host';
import type { AppHost } from './hosted-engine';
import { hostReview } from './review-host';
import { createEmitter } from './ipc/emit';
import { electronIpc } from './ipc/electron-ipc';
import { APP_ORIGIN, guardWebContents } from './security';
import { mainWindowOptions } from './window-options';

const here = dirname(fileURLToPath(import.meta.url));
const EXTERNAL_LINK_HOSTS: ReadonlyArray<string> = ['developer.genesys.cloud', 'help.mypurecloud.com'];

protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
  // corsEnabled: the player's Web Audio mixer needs the media fetched in CORS mode (protocol.ts allowOrigin).
  { scheme: 'media', privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true, corsEnabled: true } },
]);
app.enableSandbox();

app.on('web-contents-created', (_event, contents) =>
  guardWebContents(contents, { appOrigin: APP_ORIGIN, externalHosts: EXTERNAL_LINK_HOSTS, openExternal: (url) => void shell.openExternal(url) }),
);

await app.whenReady();
session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
session.defaultSession.setPermissionCheckHandler(() => false);

const profile = process.env.CUSTODY_PROFILE ?? 'default';
const hostOptions = {
  ipc: electronIpc,
  emit: createEmitter(() => BrowserWindow.getAllWindows().map((w) => w.webContents)),
  trustedOrigin: APP_ORIGIN,
  rendererDir: join(here, '..', 'renderer'),
  validateResponses: !app.isPackaged,
  // The officer's own browser, as RFC 8252 asks; the handler passes only the profile's Genesys login page.
  openSignInPage: (url: string) => shell.openExternal(url),
};
let host: AppHost;
let closeComposed: () => Promise<void>;
const reviewPack = process.env.CUSTODY_REVIEW_PACK;
if (reviewPack) {
  // A sealed regulator review ("custody review PACK --reviewer NAME"): no engine, no keychain, no network.
  const trustedKeys = (process.env.CUSTODY_REVIEW_TRUSTED_KEYS ?? '').split('\n').filter((key) => key !== '');
  const review = await composeReview({ profile, packPath: reviewPack, reviewer: process.env.CUSTODY_REVIEWER ?? '', trustedKeys, mediaUrlBase: 'media://recording/' });
  host = hostReview(review, hostOptions);
  closeComposed = review.close;
} else {
  const composed = await composeEngine({ profile, mediaUrlBase: 'media://recording/', backgroundTranscripts: true });
  // Accesses journaled by offline review sessions reach the WORM log at the next normal start.
  void syncPendingReviewJournal(composed);
  // A workstation without the Genesys service account starts from the firm's catalog (it also syncs before each search).
  void composed.catalog.syncOnCatalogWorkstation();
  host = hostEngine(composed, hostOptions);
  closeComposed = composed.close;
}
protocol.handle('app', host.appHandler);
protocol.handle('media', host.mediaHandler);

const window = new BrowserWindow(mainWindowOptions(join(here, 'preload.cjs'), app));
window.once('ready-to-show', () => window.show());
await window.loadURL(`${APP_ORIGIN}/index.html`);

// Quitting waits for the orderly shutdown (jobs paused at an item boundary, audit drained, database
// closed), bounded so that a stuck part never keeps the app from exiting.
const QUIT_BUDGET_MS = 45_000;
let quitting: Promise<void> | null = null;
app.on('before-quit', (event) => {
  event.preventDefault();
  quitting ??= (async () => {
    host.dispose();
    try {
      await withinBudget(closeComposed(), QUIT_BUDGET_MS);
    } catch {
      // Each shutdown step logs its own failure; nothing is left to do but exit.
    } finally {
      app.exit(0);
    }
  })();
});
app.on('window-all-closed', () => app.quit());
