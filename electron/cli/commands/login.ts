import platformClient from 'purecloud-platform-client-v2';
import { genesysEndpointSchema, type GenesysEndpoint } from '../../services/config/profile';
import { ValidationError } from '../../services/errors';
import { parseFlags, requireFlag } from '../args';
import { composeProfileSettings } from '../../services/composition/compose-settings';
import type { CommandContext } from '../context';
import { readSecret } from '../secret-input';

const usage =
  'custody login --client-id ID (--region NAME | --gateway URL) [--signin-client-id ID] [--redirect-port N]   (the client secret is read from stdin or a prompt)';

/**
 * `custody login`: stores a real org's service client (client credentials; the secret goes to the keychain only) and
 * the public client officers sign in through (authorization code with PKCE) with its registered loopback port.
 */
export async function loginCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(
    argv,
    {
      'client-id': { type: 'string' },
      region: { type: 'string' },
      gateway: { type: 'string' },
      'signin-client-id': { type: 'string' },
      'redirect-port': { type: 'string' },
    },
    usage,
  );
  const clientId = requireFlag(flags.string('client-id'), '--client-id', usage).trim();
  const endpoint = endpointFrom(flags.string('region'), flags.string('gateway'));
  const signInClientId = flags.string('signin-client-id')?.trim();
  if (signInClientId !== undefined && !/^[A-Za-z0-9-]{1,64}$/.test(signInClientId)) throw new ValidationError(`--signin-client-id is not an OAuth client id: "${signInClientId}".`);
  const portText = flags.string('redirect-port');
  if (portText !== undefined && !(/^\d{1,5}$/.test(portText) && Number(portText) >= 1 && Number(portText) <= 65_535)) {
    throw new ValidationError(`--redirect-port must be a port number (1-65535), not "${portText}".`);
  }
  const clientSecret = (await readSecret('Client secret: ')).trim();
  if (!clientSecret) throw new ValidationError('No client secret was given (pipe it on stdin or type it at the prompt).');
  const store = composeProfileSettings({ profile: ctx.profile });
  await store.vault.saveGenesys({ clientId, clientSecret });
  await store.update((p) => ({
    ...p,
    genesys: endpoint,
    officerSignIn: {
      ...p.officerSignIn,
      ...(signInClientId !== undefined ? { clientId: signInClientId } : {}),
      ...(portText !== undefined ? { redirectPort: Number(portText) } : {}),
    },
  }));
  ctx.output.result({ profile: ctx.profile, clientId, ...endpoint }, () => `Stored client ${clientId} for ${'region' in endpoint ? endpoint.region : endpoint.gateway} in the OS keychain (profile "${ctx.profile}").`);
  return 0;
}

/** Region names are the SDK's (eu_west_2) or their domains (euw2.pure.cloud); both map to a domain. */
function endpointFrom(region: string | undefined, gateway: string | undefined): GenesysEndpoint {
  if ((region === undefined) === (gateway === undefined)) throw new ValidationError(`Give exactly one of --region or --gateway.\n\nUsage: ${usage}`);
  if (gateway !== undefined) {
    const parsed = genesysEndpointSchema.safeParse({ gateway });
    if (!parsed.success) throw new ValidationError(`--gateway must be an http(s) URL, not "${gateway}".`);
    return parsed.data;
  }
  const hosts = platformClient.PureCloudRegionHosts as unknown as Record<string, string>;
  const domain = hosts[region!] ?? Object.values(hosts).find((d) => d === region);
  if (!domain) throw new ValidationError(`Unknown region "${region}". Known: ${Object.keys(hosts).join(', ')}`);
  return { region: domain };
}
