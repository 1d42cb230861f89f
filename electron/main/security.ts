/** The renderer's Content-Security-Policy: everything from the app itself, media from media://. */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  // wavesurfer.js puts a <style> element in its shadow root; scripts stay locked down.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' media: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const APP_ORIGIN = 'app://custody';

/** Compares scheme and host (URL.origin is "null" for custom schemes such as app:). */
export function isAppOrigin(url: string, origin: string): boolean {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}` === origin;
  } catch {
    return false;
  }
}

/** External links: only https, only to hosts on the allow-list, always parsed (checklist item 15). */
export function isAllowedExternalUrl(url: string, allowedHosts: ReadonlyArray<string>): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' && allowedHosts.includes(parsed.hostname);
  } catch {
    return false;
  }
}

/** What a guard sees of an Electron navigation event (Electron's Event<...EventParams> has both). */
type NavigationEvent = { url: string; preventDefault(): void };

/** The part of Electron's WebContents the guards attach to; tests pass a plain event emitter. */
export type GuardedContents = {
  on(event: 'will-navigate', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-frame-navigate', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-redirect', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
};

/**
 * The renderer is one page loaded by main: no frame navigates anywhere (will-frame-navigate covers
 * subframes, which will-navigate misses), a redirect never leaves the app's origin, no webviews, and
 * new windows are refused, with allow-listed https links handed to the system browser.
 */
export function guardWebContents(
  contents: GuardedContents,
  options: { appOrigin: string; externalHosts: ReadonlyArray<string>; openExternal: (url: string) => void },
): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-frame-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => {
    if (!isAppOrigin(event.url, options.appOrigin)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url, options.externalHosts)) options.openExternal(url);
    return { action: 'deny' };
  });
}
