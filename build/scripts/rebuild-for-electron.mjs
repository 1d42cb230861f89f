// Rebuilds better-sqlite3-multiple-ciphers (the SQLite driver, with SQLCipher) for Electron's ABI and proves it did. npm on our machines sets nodedir to
// Node's headers, which makes `electron-builder install-app-deps` build for Node's ABI without a
// word; so we clear nodedir, rebuild against Electron's headers explicitly, then read the ABI back.
// Usage: node build/scripts/rebuild-for-electron.mjs [--restore]   (--restore: back to Node's ABI for tests)
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const addon = 'better-sqlite3-multiple-ciphers';
const electronVersion = require('electron/package.json').version;
const electronAbi = readFileSync(require.resolve('electron/abi_version'), 'utf8').trim();
const env = { ...process.env };
for (const key of Object.keys(env)) if (key.toLowerCase() === 'npm_config_nodedir') delete env[key];

if (process.argv.includes('--restore')) {
  execFileSync('npm', ['rebuild', addon], { stdio: 'inherit', env: process.env });
  process.exit(0);
}

execFileSync('npx', ['@electron/rebuild', '--force', '--only', addon, '--version', electronVersion], {
  stdio: 'inherit',
  env: { ...env, npm_config_nodedir: '' },
});

// Loading the addon under Node must now fail with Electron's module version in the message.
const probe = spawnSync(process.execPath, ['-e', `require('${addon}')`], { encoding: 'utf8' });
const built = /compiled against a different Node\.js version using\s+NODE_MODULE_VERSION (\d+)/.exec(probe.stderr)?.[1];
if (built !== electronAbi) {
  console.error(`${addon} was built for ABI ${built ?? `${process.versions.modules} (Node's own)`}, not Electron ${electronVersion}'s ${electronAbi}.`);
  process.exit(1);
}
console.log(`${addon} rebuilt for Electron ${electronVersion} (ABI ${electronAbi}).`);
