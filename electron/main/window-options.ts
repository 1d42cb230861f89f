import type { BrowserWindowConstructorOptions } from 'electron';

/**
 * Every window comes from here, with the security settings the style guide requires (section 8).
 * `build` is Electron's `app`: DevTools only in unpackaged (development) runs; the build never sets NODE_ENV.
 */
export function mainWindowOptions(preloadPath: string, build: { readonly isPackaged: boolean }): BrowserWindowConstructorOptions {
  return {
    width: 1360,
    height: 860,
    minWidth: 960,
    minHeight: 600,
    title: 'Custody',
    show: false,
    backgroundColor: '#0f1720',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      spellcheck: false,
      autoplayPolicy: 'user-gesture-required',
      devTools: !build.isPackaged,
    },
  };
}
