import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../electron/services/adapters/system-clock';
import type { SignedInOfficer } from '../../electron/services/auth/officer';
import { composeOfficerSession } from '../../electron/services/composition/compose-officer';
import { composeProfileSettings } from '../../electron/services/composition/compose-settings';
import type { SecretStore } from '../../electron/services/ports';
import type { CliRun } from './run-cli';
import { MemoryLogger } from './memory-logger';

/** A sandbox sign-in user (test/sandbox/README.md). */
export type SandboxUser = { username: string; password: string };

export const OFFICER_A_LOGIN: SandboxUser = { username: 'officer.a@sandbox.custody.test', password: 'sandbox-officer-a' };
export const OFFICER_B_LOGIN: SandboxUser = { username: 'officer.b@sandbox.custody.test', password: 'sandbox-officer-b' };
export const AGENT_C_LOGIN: SandboxUser = { username: 'agent.c@sandbox.custody.test', password: 'sandbox-agent-c' };

/**
 * Does what the officer does in her browser: opens the authorize URL (the sandbox's login form), posts her
 * credentials to it, and follows the 302 to Custody's loopback listener. Returns the listener's status.
 */
export async function completeBrowserSignIn(authorizeUrl: string, user: SandboxUser): Promise<number> {
  const landing = await fetch(await submitLoginForm(authorizeUrl, user));
  await landing.text();
  return landing.status;
}

/** Opens the sandbox's login form and posts `user`'s credentials; returns where it redirects (the loopback, with code and state). */
export async function submitLoginForm(authorizeUrl: string, user: SandboxUser): Promise<URL> {
  const page = await fetch(authorizeUrl);
  const html = await page.text();
  if (page.status !== 200 || !/<form/i.test(html)) throw new Error(`the authorize URL did not serve a login form (HTTP ${page.status})`);
  const posted = await fetch(authorizeUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: user.username, password: user.password }).toString(),
    redirect: 'manual',
  });
  const location = posted.headers.get('location');
  if (posted.status !== 302 || !location) throw new Error(`the login form did not redirect (HTTP ${posted.status}): wrong credentials?`);
  return new URL(location);
}

/** Signs `user` in on a profile (the keychain service of `secrets`), through the real PKCE flow against the sandbox. */
export async function signInOfficer(options: { profile: string; env: NodeJS.ProcessEnv; secrets: SecretStore; user: SandboxUser }): Promise<SignedInOfficer> {
  const settings = composeProfileSettings({ profile: options.profile, env: options.env, secrets: options.secrets });
  const session = composeOfficerSession({ settings, http: fetch, clock: systemClock, logger: new MemoryLogger() });
  return session.signIn({
    onAuthorizeUrl: async (url) => {
      await completeBrowserSignIn(url, options.user);
    },
  });
}


const bin = fileURLToPath(new URL('../../bin/custody.mjs', import.meta.url));

/**
 * `custody signin --no-browser` as a person runs it: reads the authorize URL from its first stdout line,
 * signs in as `user` in "the browser", and waits for the command to finish.
 */
export async function signInThroughCli(
  args: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv,
  user: SandboxUser,
  browser: (url: string, user: SandboxUser) => Promise<unknown> = completeBrowserSignIn,
): Promise<CliRun & { authorizeUrl: string }> {
  const started = Date.now();
  const child = spawn(process.execPath, [bin, 'signin', '--no-browser', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const lines = createInterface({ input: child.stdout });
  let authorizeUrl = '';
  let browserDone: Promise<unknown> = Promise.resolve();
  lines.on('line', (line) => {
    stdout += `${line}\n`;
    if (!authorizeUrl) {
      authorizeUrl = line.startsWith('{') ? (JSON.parse(line) as { authorizeUrl: string }).authorizeUrl : line;
      browserDone = browser(authorizeUrl, user).catch((error: unknown) => {
        stderr += `[test browser] ${String(error)}\n`;
      });
    }
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  await browserDone;
  return { code, stdout, stderr, ms: Date.now() - started, authorizeUrl };
}
