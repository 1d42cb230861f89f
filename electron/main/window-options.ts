import type { BrowserWindowConstructorOptions } from 'electron';

/** Every window comes from here, with the security settings the style guide requires (section 8). */
export function mainWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
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
      devTools: !isPackagedBuild(),
    },
  };
}

function isPackagedBuild(): boolean {
  return process.env.NODE_ENV === 'production';
}
