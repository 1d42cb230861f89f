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
/** The browser shell's stand-in for app://, served by page.route (Chromium will not load custom schemes). */
export const SHELL_ORIGIN = 'https://custody.invalid';

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
