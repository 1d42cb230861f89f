import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { chromiumArgs } from '../../../../electron/shell/browser-shell';
import {
  APP_ORIGIN,
  contentSecurityPolicy,
  guardWebContents,
  isAllowedExternalUrl,
  isAppOrigin,
  type GuardedContents,
} from '../../../../electron/main/security';
import { mainWindowOptions } from '../../../../electron/main/window-options';

/** A stand-in for Electron's WebContents: an event emitter with its window-open handler. */
function fakeWebContents() {
  const emitter = new EventEmitter();
  const opened: Array<string> = [];
  let openHandler: ((details: { url: string }) => { action: 'deny' }) | undefined;
  const contents: GuardedContents = {
    on: (event: string, listener: (event: { url: string; preventDefault(): void }) => void) => emitter.on(event, listener),
    setWindowOpenHandler: (handler) => {
      openHandler = handler;
    },
  };
  guardWebContents(contents, { appOrigin: APP_ORIGIN, externalHosts: ['developer.genesys.cloud'], openExternal: (url) => opened.push(url) });
  return {
    opened,
    /** Emits `event` as Electron would and says whether a guard cancelled it. */
    cancels(event: string, url: string): boolean {
      let prevented = false;
      emitter.emit(event, { url, preventDefault: () => (prevented = true) });
      return prevented;
    },
    open: (url: string) => openHandler!({ url }),
  };
}

describe('window and renderer security settings', () => {
  it('isolates and sandboxes every window, with no Node, webviews or insecure content', () => {
    const prefs = mainWindowOptions('/app/preload.cjs', { isPackaged: true }).webPreferences!;
    expect(prefs).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
    });
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
  });

  it('serves a CSP that allows only the app itself, media from media:, and no eval', () => {
    const directives = Object.fromEntries(contentSecurityPolicy.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['media-src']).toContain('media:');
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(contentSecurityPolicy).not.toContain('unsafe-eval');
  });

  it('compares origins by scheme and host, including custom schemes', () => {
    expect(isAppOrigin('app://custody/index.html', 'app://custody')).toBe(true);
    expect(isAppOrigin('app://custody.evil/index.html', 'app://custody')).toBe(false);
    expect(isAppOrigin('https://custody.invalid/x', 'https://custody.invalid')).toBe(true);
    expect(isAppOrigin('not a url', 'app://custody')).toBe(false);
  });

  it('opens external links only over https to allow-listed hosts', () => {
    const hosts = ['developer.genesys.cloud'];
    expect(isAllowedExternalUrl('https://developer.genesys.cloud/x', hosts)).toBe(true);
    expect(isAllowedExternalUrl('http://developer.genesys.cloud/x', hosts)).toBe(false);
    expect(isAllowedExternalUrl('https://developer.genesys.cloud.evil.com/', hosts)).toBe(false);
    expect(isAllowedExternalUrl('file:///etc/passwd', hosts)).toBe(false);
    expect(isAllowedExternalUrl('javascript:alert(1)', hosts)).toBe(false);
  });

  it('turns DevTools off in packaged builds, whatever NODE_ENV says, and on only in development runs', () => {
    const nodeEnv = process.env.NODE_ENV;
    try {
      process.env.NODE_ENV = 'development';
      expect(mainWindowOptions('/p', { isPackaged: true }).webPreferences!.devTools).toBe(false);
      delete process.env.NODE_ENV;
      expect(mainWindowOptions('/p', { isPackaged: true }).webPreferences!.devTools).toBe(false);
      process.env.NODE_ENV = 'production';
      expect(mainWindowOptions('/p', { isPackaged: false }).webPreferences!.devTools).toBe(true);
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
  });

  it('cancels every navigation of the page and of any frame, and every webview', () => {
    const contents = fakeWebContents();
    expect(contents.cancels('will-navigate', 'https://evil.example/')).toBe(true);
    expect(contents.cancels('will-navigate', `${APP_ORIGIN}/other.html`)).toBe(true);
    expect(contents.cancels('will-frame-navigate', 'https://evil.example/frame')).toBe(true);
    expect(contents.cancels('will-frame-navigate', 'file:///etc/passwd')).toBe(true);
    expect(contents.cancels('will-attach-webview', 'https://evil.example/')).toBe(true);
  });

  it('cancels a redirect that leaves the app origin, and lets one inside it through', () => {
    const contents = fakeWebContents();
    expect(contents.cancels('will-redirect', 'https://evil.example/')).toBe(true);
    expect(contents.cancels('will-redirect', 'app://custody.evil/index.html')).toBe(true);
    expect(contents.cancels('will-redirect', 'not a url')).toBe(true);
    expect(contents.cancels('will-redirect', `${APP_ORIGIN}/index.html`)).toBe(false);
  });

  it('never opens a window; only allow-listed https links go to the system browser', () => {
    const contents = fakeWebContents();
    expect(contents.open('https://developer.genesys.cloud/docs')).toEqual({ action: 'deny' });
    expect(contents.open('https://evil.example/')).toEqual({ action: 'deny' });
    expect(contents.open('http://developer.genesys.cloud/docs')).toEqual({ action: 'deny' });
    expect(contents.opened).toEqual(['https://developer.genesys.cloud/docs']);
  });

  it("runs the browser shell's Chromium without its sandbox only as root", () => {
    expect(chromiumArgs(true)).toContain('--no-sandbox');
    expect(chromiumArgs(false)).not.toContain('--no-sandbox');
    expect(chromiumArgs(false)).toEqual(chromiumArgs(true).filter((arg) => arg !== '--no-sandbox'));
    expect(chromiumArgs().includes('--no-sandbox')).toBe(process.getuid?.() === 0);
  });
});
