import packageJson from '../../package.json' with { type: 'json' };

/** This build's version, as package.json states it (bundled in by esbuild, read by tsx). */
export const CUSTODY_VERSION: string = packageJson.version;
