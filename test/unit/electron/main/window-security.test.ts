import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, isAllowedExternalUrl, isAppOrigin } from '../../../../electron/main/security';
import { mainWindowOptions } from '../../../../electron/main/window-options';

describe('window and renderer security settings', () => {
  it('isolates and sandboxes every window, with no Node, webviews or insecure content', () => {
    const prefs = mainWindowOptions('/app/preload.cjs').webPreferences!;
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
});
