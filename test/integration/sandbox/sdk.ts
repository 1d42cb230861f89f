import platformClient from 'purecloud-platform-client-v2';
import { SANDBOX_CLIENT, type Sandbox } from '../../sandbox/server';

/** The real Genesys SDK, pointed at a sandbox through its gateway setting, one ApiClient per test. */

export type SdkClient = typeof platformClient.ApiClient;

/** What SDK calls resolve or reject with under setReturnExtendedResponses(true). */
export type Extended<T = unknown> = {
  status: number;
  headers: Record<string, string>;
  body: T;
  text?: string;
  error?: unknown;
};

export type GatewayPaths = { path_params_login?: string; path_params_api?: string };

export function newSdkClient(sandbox: Pick<Sandbox, 'port'>, paths: GatewayPaths = {}): SdkClient {
  const ApiClientClass = (platformClient.ApiClient as unknown as { constructor: new () => SdkClient }).constructor;
  const client = new ApiClientClass();
  client.config.live_reload_config = false;
  client.setGateway({ host: '127.0.0.1', protocol: 'http', port: sandbox.port, ...paths } as Parameters<SdkClient['setGateway']>[0]);
  client.setReturnExtendedResponses(true);
  return client;
}

export async function loggedInClient(sandbox: Pick<Sandbox, 'port'>, credentials = SANDBOX_CLIENT): Promise<SdkClient> {
  const client = newSdkClient(sandbox);
  const auth = await client.loginClientCredentialsGrant(credentials.clientId, credentials.clientSecret);
  if (!auth.accessToken) throw new Error('login returned no access token');
  return client;
}

/** Awaits an SDK call made in extended mode and types its result. */
export async function call<T = Record<string, unknown>>(promise: Promise<unknown>): Promise<Extended<T>> {
  return (await promise) as Extended<T>;
}

/** Awaits an SDK call that must fail, returning the extended rejection (status, headers, body). */
export async function failure<T = Record<string, unknown>>(promise: Promise<unknown>): Promise<Extended<T>> {
  try {
    await promise;
  } catch (error) {
    return error as Extended<T>;
  }
  throw new Error('expected the SDK call to fail, but it succeeded');
}

export function apis(client: SdkClient) {
  return {
    analytics: new platformClient.AnalyticsApi(client),
    conversations: new platformClient.ConversationsApi(client),
    recording: new platformClient.RecordingApi(client),
    routing: new platformClient.RoutingApi(client),
    users: new platformClient.UsersApi(client),
    organization: new platformClient.OrganizationApi(client),
    tokens: new platformClient.TokensApi(client),
  };
}
