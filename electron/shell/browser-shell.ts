import { chromium, type Browser, type BrowserContext, type Page, type Route } from 'playwright-core';
import type { Envelope } from '../../shared/ipc/contract';
import { hostEngine } from '../main/app-host';
import type { AppHost, HostedEngine } from '../main/hosted-engine';
import { createEmitter, type Emit } from '../main/ipc/emit';
import { hostReview, type HostedReview } from '../main/review-host';
import type { IpcInvokeEventLike, IpcMainLike } from '../main/ipc/server';

/** Where Debian's Chromium lives; Playwright's own browser download is not available here. */
/** The browser shell's stand-in for app://, served by page.route (Chromium will not load custom schemes). */
export const SHELL_ORIGIN = 'https://custody.invalid';

export const CHROMIUM_PATH = process.env.CUSTODY_CHROMIUM ?? '/usr/bin/chromium';

const chromiumBaseArgs = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--autoplay-policy=no-user-gesture-required',
];

/**
 * Flags for Chromium on a closed network and without a GPU. Chromium refuses to start its sandbox as
 * root, so only root runs without it; everyone else (and Windows, which has no uids) keeps it.
 */
export function chromiumArgs(runningAsRoot: boolean = process.getuid?.() === 0): Array<string> {
  return [...(runningAsRoot ? ['--no-sandbox'] : []), ...chromiumBaseArgs];
}

/** The browser shell's preload: the same `custodyIpc` transport the Electron preload exposes. */
const pageBridgeScript = `(() => {
  const listeners = new Map();
  window.__custodyDeliver = (channel, payload) => { for (const l of listeners.get(channel) ?? []) l(payload); };
  Object.defineProperty(window, 'custodyIpc', {
    value: Object.freeze({
      invoke: (channel, request) => window.__custodyInvoke(channel, request),
      subscribe: (channel, listener) => {
        const set = listeners.get(channel) ?? new Set();
        listeners.set(channel, set);
        set.add(listener);
        return () => set.delete(listener);
      },
    }),
  });
})();`;

export type ShellBridge = { host: AppHost; emit: Emit; appUrl: string };

/**
 * Bridges a Chromium context to the engine exactly as Electron would: the IPC contract through a
 * binding (the sender frame is checked like Electron's senderFrame), and app:// and media:// served
 * by the same Request -> Response handlers from a stand-in https origin, since Chromium will not load
 * custom schemes in a page. Every other request is blocked: the renderer never reaches the network.
 */
export async function bridgeContext(
  context: BrowserContext,
  hosted: HostedEngine,
  options: { rendererDir: string },
): Promise<ShellBridge> {
  return bridgeHost(context, (ipc, emit) =>
    hostEngine(hosted, {
      ipc,
      emit,
      trustedOrigin: SHELL_ORIGIN,
      rendererDir: options.rendererDir,
      validateResponses: true,
      // route.fulfill needs whole bodies: serve long recordings in 1 MiB ranges, as a media server would.
      maxOpenRangeBytes: SHELL_MAX_RANGE_BYTES,
      openSignInPage: signInTabOpener(context),
    }),
  );
}

/**
 * The shell's "system browser" for an officer's sign-in: a new tab in the same Chromium, allowed to reach the
 * login page's origin (the handler passed only the profile's Genesys login host). The login form's 302 to
 * Custody's loopback listener is followed by the browser itself, as any browser would.
 */
function signInTabOpener(context: BrowserContext): (url: string) => Promise<void> {
  const allowed = new Set<string>();
  return async (url) => {
    const { origin } = new URL(url);
    if (!allowed.has(origin)) {
      allowed.add(origin);
      await context.route((target) => target.origin === origin, (route) => route.continue());
    }
    const page = await context.newPage();
    await page.goto(url);
  };
}

/** The same bridge for a regulator's review session (`custody review`). */
export async function bridgeReview(context: BrowserContext, hosted: HostedReview, options: { rendererDir: string }): Promise<ShellBridge> {
  return bridgeHost(context, (ipc, emit) =>
    hostReview(hosted, { ipc, emit, trustedOrigin: SHELL_ORIGIN, rendererDir: options.rendererDir, validateResponses: true, maxOpenRangeBytes: SHELL_MAX_RANGE_BYTES }),
  );
}

/** route.fulfill needs whole bodies: hosts serve long recordings in 1 MiB ranges in the shell. */
export const SHELL_MAX_RANGE_BYTES = 1 << 20;

/** The bridge for any host (the app's, or a review session's): IPC through a binding, app/media through routes. */
export async function bridgeHost(context: BrowserContext, createHost: (ipc: IpcMainLike, emit: Emit) => AppHost): Promise<ShellBridge> {
  const handlers = new Map<string, (event: IpcInvokeEventLike, request: unknown) => Promise<Envelope>>();
  const ipc: IpcMainLike = {
    handle: (channel, listener) => handlers.set(channel, listener),
    removeHandler: (channel) => handlers.delete(channel),
  };
  // Pushes go to the app's pages only, never to a sign-in tab on Genesys's login page.
  const emit = createEmitter(() =>
    appPages(context).map((page) => ({
      isDestroyed: () => page.isClosed(),
      send: (channel: string, payload: unknown) => {
        void deliver(page, channel, payload);
      },
    })),
  );
  const host = createHost(ipc, emit);
  await context.exposeBinding('__custodyInvoke', async (source, channel: unknown, request: unknown) => {
    const handler = typeof channel === 'string' ? handlers.get(channel) : undefined;
    if (!handler) return { ok: false, error: { code: 'VALIDATION', message: `unknown IPC channel ${String(channel)}`, retryable: false } };
    return handler({ senderFrame: { url: source.frame.url(), isTopFrame: source.frame.parentFrame() === null } }, request);
  });
  await context.addInitScript({ content: pageBridgeScript });
  await context.route('**/*', (route) => route.abort('blockedbyclient'));
  await context.route(`${SHELL_ORIGIN}/**`, (route) => serve(route, host));
  return { host, emit, appUrl: `${SHELL_ORIGIN}/index.html` };
}

const appPages = (context: BrowserContext): Array<Page> => context.pages().filter((page) => page.url().startsWith(`${SHELL_ORIGIN}/`));

async function deliver(page: Page, channel: string, payload: unknown): Promise<void> {
  try {
    await page.evaluate(`window.__custodyDeliver?.(${JSON.stringify(channel)}, ${JSON.stringify(payload)})`);
  } catch {
    // The page navigated or closed; pushes are best effort, like webContents.send.
  }
}

async function serve(route: Route, host: AppHost): Promise<void> {
  const request = route.request();
  const url = new URL(request.url());
  const init = { method: request.method(), headers: await request.allHeaders() };
  const response = url.pathname.startsWith('/media/')
    ? await host.mediaHandler(new Request(`media://${url.pathname.slice('/media/'.length)}${url.search}`, init))
    : await host.appHandler(new Request(`app://custody${url.pathname}${url.search}`, init));
  const headers = Object.fromEntries([...response.headers].filter(([name]) => name !== 'content-length'));
  await route.fulfill({ status: response.status, headers, body: Buffer.from(await response.arrayBuffer()) });
}

export type BrowserShell = { browser: Browser; context: BrowserContext; page: Page; bridge: ShellBridge; close(): Promise<void> };

/** Launches Debian's Chromium with the renderer bridged to the engine: the app, without Electron. */
export async function launchBrowserShell(
  hosted: HostedEngine,
  options: { rendererDir: string; headless: boolean; viewport?: { width: number; height: number } },
): Promise<BrowserShell> {
  return launchShell((context) => bridgeContext(context, hosted, { rendererDir: options.rendererDir }), options);
}

/** Launches Debian's Chromium on whatever `bridge` connects the page to (the app, or a review session). */
export async function launchShell(
  bridgeTo: (context: BrowserContext) => Promise<ShellBridge>,
  options: { headless: boolean; viewport?: { width: number; height: number } },
): Promise<BrowserShell> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: options.headless, args: chromiumArgs() });
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1440, height: 900 }, serviceWorkers: 'block' });
  const bridge = await bridgeTo(context);
  const page = await context.newPage();
  await page.goto(bridge.appUrl);
  return {
    browser,
    context,
    page,
    bridge,
    close: async () => {
      bridge.host.dispose();
      await browser.close();
    },
  };
}
