import { checkedPermissionGrants } from '../../../shared/officer-permissions';
import type { SignedInOfficer } from '../../services/auth/officer';
import type { KeychainOfficerSession } from '../../services/auth/officer-session';
import { systemClock } from '../../services/adapters/system-clock';
import { composeLog } from '../../services/composition/compose-base';
import { composeOfficerSession } from '../../services/composition/compose-officer';
import { composeProfileSettings } from '../../services/composition/compose-settings';
import { ValidationError } from '../../services/errors';
import { parseFlags } from '../args';
import type { CommandContext } from '../context';

async function withOfficerSession<T>(ctx: CommandContext, run: (session: KeychainOfficerSession) => Promise<T>): Promise<T> {
  const settings = composeProfileSettings({ profile: ctx.profile });
  const log = composeLog(settings.paths, settings.redactor);
  try {
    return await run(composeOfficerSession({ settings, http: fetch, clock: systemClock, logger: log.logger }));
  } finally {
    await log.close();
  }
}

function describe(officer: SignedInOfficer) {
  return {
    genesysUserId: officer.genesysUserId,
    name: officer.name,
    email: officer.email,
    signedInAt: officer.signedInAt,
    permissions: Object.fromEntries(checkedPermissionGrants(officer.permissions).map(({ permission, granted }) => [permission, granted])),
  };
}

const signinUsage = 'custody signin [--no-browser] [--timeout SECONDS]';

/**
 * `custody signin`: signs an officer in through Genesys (authorization code with PKCE). The authorize URL is
 * printed alone on one line of stdout (for a browser elsewhere, or a test), then opened unless --no-browser.
 */
export async function signinCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(argv, { 'no-browser': { type: 'boolean' }, timeout: { type: 'string' } }, signinUsage);
  const openBrowser = !flags.bool('no-browser');
  const timeoutText = flags.string('timeout') ?? '300';
  const timeoutSeconds = Number(timeoutText);
  if (!/^\d{1,5}$/.test(timeoutText) || timeoutSeconds < 1) throw new ValidationError(`--timeout must be a number of seconds, not "${timeoutText}".\n\nUsage: ${signinUsage}`);
  const officer = await withOfficerSession(ctx, (session) =>
    session.signIn({
      timeoutMs: timeoutSeconds * 1000,
      onAuthorizeUrl: async (url) => {
        process.stdout.write(ctx.output.json ? `${JSON.stringify({ authorizeUrl: url })}\n` : `${url}\n`);
        ctx.output.note('Waiting for the sign-in in the browser…');
        if (openBrowser) {
          const { default: open } = await import('open');
          await open(url).catch(() => ctx.output.note('No browser could be opened: open the URL above yourself.'));
        }
      },
    }),
  );
  ctx.output.result(describe(officer), () => `Signed in: ${officer.name} <${officer.email}> (Genesys user ${officer.genesysUserId})`);
  return 0;
}

/** `custody whoami`: the signed-in officer and the permissions Custody checks; exit 1 when nobody is signed in. */
export async function whoamiCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  parseFlags(argv, {}, 'custody whoami [--json]');
  const officer = await withOfficerSession(ctx, (session) => session.current());
  if (!officer) {
    ctx.output.result({ signedIn: false }, () => 'Nobody is signed in (run "custody signin").');
    return 1;
  }
  const view = describe(officer);
  ctx.output.result({ signedIn: true, ...view }, () =>
    [
      `officer        ${view.name} <${view.email}>`,
      `genesys user   ${view.genesysUserId}`,
      `signed in at   ${view.signedInAt}`,
      ...Object.entries(view.permissions).map(([p, granted]) => `permission     ${p}: ${granted ? 'yes' : 'MISSING'}`),
    ].join('\n'),
  );
  return 0;
}

/** `custody signout`: revokes the officer's token at Genesys where it can, and removes it from the keychain. */
export async function signoutCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  parseFlags(argv, {}, 'custody signout');
  const { officer, revoked } = await withOfficerSession(ctx, (session) => session.signOut());
  ctx.output.result({ signedOut: officer ? officer.genesysUserId : null, revoked }, () =>
    officer ? `Signed out ${officer.name}${revoked ? '; Genesys revoked the token' : '; Genesys could not be told (token removed here)'}.` : 'Nobody was signed in.',
  );
  return 0;
}
