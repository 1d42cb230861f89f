import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { Officer } from '../../../shared/domain';
import { genesysDomain, type GenesysEndpoint } from '../config/profile';
import { AuthError, describeCause, InvalidResponseError, NetworkError, SignInRequiredError, ValidationError } from '../errors';
import type { HttpClient } from '../ports';

/**
 * Officer sign-in as a native app does it (RFC 8252 with PKCE, RFC 7636): the system browser opens Genesys's
 * authorize page, the redirect comes back to a one-shot listener on 127.0.0.1, and the code is exchanged with
 * the verifier. The token endpoint is called directly: the SDK's authorizePKCEGrant drops the refresh token.
 */

/** Where Genesys's login and API hosts are for an endpoint (a gateway serves both at its root, as the SDK's setGateway uses it). */
export function genesysHosts(endpoint: GenesysEndpoint): { login: string; api: string } {
  if ('gateway' in endpoint) {
    const base = endpoint.gateway.replace(/\/+$/, '');
    return { login: base, api: base };
  }
  const domain = genesysDomain(endpoint.region);
  return { login: `https://login.${domain}`, api: `https://api.${domain}` };
}

export type OfficerTokens = { accessToken: string; expiresInMs: number; refreshToken: string };

const tokenAnswerSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  refresh_token: z.string().min(1),
});

const userMeSchema = z.looseObject({
  id: z.string().min(1).max(64),
  name: z.string().max(200).default(''),
  email: z.string().max(320).default(''),
  authorization: z.looseObject({ permissions: z.array(z.string().max(200)).max(10_000).default([]) }).optional(),
});

export type OfficerProfile = Officer & { permissions: Array<string> };

/** Posts a form to Genesys's token endpoint; an OAuth refusal (400/401) becomes SignInRequiredError saying what. */
export async function requestOfficerTokens(
  http: HttpClient,
  endpoint: GenesysEndpoint,
  form: Record<string, string>,
  refusal: string,
): Promise<OfficerTokens> {
  const url = `${genesysHosts(endpoint).login}/oauth/token`;
  let response: Response;
  try {
    response = await http(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new NetworkError('POST /oauth/token', new Error(describeCause(error)));
  }
  const text = await response.text();
  if (response.status === 400 || response.status === 401) {
    // The body is Genesys's: named by its OAuth error code only, never echoed (it may quote what we sent).
    const code = /"error"\s*:\s*"([a-z_]{1,40})"/.exec(text)?.[1] ?? `HTTP ${response.status}`;
    throw new SignInRequiredError(`${refusal} (Genesys answered ${code}).`);
  }
  if (!response.ok) throw new AuthError(`The Genesys token endpoint answered HTTP ${response.status}; try again.`, { code: 'AUTH_REFRESH_FAILED' });
  let parsed: z.infer<typeof tokenAnswerSchema>;
  try {
    parsed = tokenAnswerSchema.parse(JSON.parse(text));
  } catch {
    throw new InvalidResponseError('POST /oauth/token', 'no access_token, refresh_token or expires_in');
  }
  return { accessToken: parsed.access_token, refreshToken: parsed.refresh_token, expiresInMs: Math.round(parsed.expires_in * 1000) };
}

/** `GET /api/v2/users/me?expand=authorization`: who the token belongs to and what Genesys lets them do. */
export async function readOfficerProfile(http: HttpClient, endpoint: GenesysEndpoint, accessToken: string): Promise<OfficerProfile> {
  const endpointName = 'GET /api/v2/users/me';
  let response: Response;
  try {
    response = await http(`${genesysHosts(endpoint).api}/api/v2/users/me?expand=authorization`, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new NetworkError(endpointName, new Error(describeCause(error)));
  }
  if (response.status === 401) throw new SignInRequiredError('Genesys did not accept the new sign-in; sign in again.');
  if (!response.ok) throw new AuthError(`Genesys answered HTTP ${response.status} to ${endpointName}; sign-in was not completed.`);
  let me: z.infer<typeof userMeSchema>;
  try {
    me = userMeSchema.parse(await response.json());
  } catch {
    throw new InvalidResponseError(endpointName, 'not a user with an id');
  }
  return { genesysUserId: me.id, name: me.name, email: me.email, permissions: me.authorization?.permissions ?? [] };
}

/** Revokes an officer's access token (`DELETE /api/v2/tokens/me`); false when Genesys did not confirm. */
export async function revokeOfficerToken(http: HttpClient, endpoint: GenesysEndpoint, accessToken: string): Promise<boolean> {
  try {
    const response = await http(`${genesysHosts(endpoint).api}/api/v2/tokens/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${accessToken}` },
      signal: AbortSignal.timeout(15_000),
    });
    return response.ok || response.status === 401;
  } catch {
    return false;
  }
}

const base64url = (bytes: Buffer): string => bytes.toString('base64url');

export type PkceRequest = { verifier: string; challenge: string; state: string };

export function newPkceRequest(): PkceRequest {
  const verifier = base64url(randomBytes(48));
  return { verifier, challenge: base64url(createHash('sha256').update(verifier).digest()), state: base64url(randomBytes(24)) };
}

export type SignInOptions = {
  endpoint: GenesysEndpoint;
  /** The public OAuth client (authorization code with PKCE) officers sign in through. */
  clientId: string;
  http: HttpClient;
  /** The loopback port registered as the client's redirect URI; 0: any free port (allowed by RFC 8252; not by every org). */
  redirectPort: number;
  /** Told the authorize URL as soon as the listener is up (print it, open a browser). */
  onAuthorizeUrl: (url: string) => void | Promise<void>;
  /** How long to wait for the browser's redirect (a closed browser never sends one). */
  timeoutMs?: number;
  signal?: AbortSignal;
};

export type SignInResult = { tokens: OfficerTokens; profile: OfficerProfile };

const CALLBACK_PATH = '/callback';

/**
 * One sign-in: listener up, authorize URL handed out, one redirect served (state checked), listener closed,
 * code exchanged, profile read. Nothing is stored here: the caller keeps the result only once all of it worked.
 */
export async function signInWithBrowser(options: SignInOptions): Promise<SignInResult> {
  const pkce = newPkceRequest();
  const listener = await listenForRedirect(options.redirectPort, pkce.state, options.timeoutMs ?? 5 * 60_000, options.signal);
  const redirectUri = `http://127.0.0.1:${listener.port}${CALLBACK_PATH}`;
  try {
    const authorize = new URL(`${genesysHosts(options.endpoint).login}/oauth/authorize`);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: options.clientId,
      redirect_uri: redirectUri,
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      state: pkce.state,
    }).toString();
    await options.onAuthorizeUrl(authorize.toString());
    const code = await listener.code;
    const tokens = await requestOfficerTokens(
      options.http,
      options.endpoint,
      { grant_type: 'authorization_code', code, code_verifier: pkce.verifier, client_id: options.clientId, redirect_uri: redirectUri },
      'Genesys refused the sign-in code',
    );
    const profile = await readOfficerProfile(options.http, options.endpoint, tokens.accessToken);
    return { tokens, profile };
  } finally {
    listener.close();
  }
}

type RedirectListener = { port: number; code: Promise<string>; close(): void };

const PAGE = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><main><h1>${title}</h1><p>${body}</p></main></body></html>`;

/** Serves exactly one redirect to /callback on 127.0.0.1 and closes; anything else there is a 404 and is ignored. */
async function listenForRedirect(port: number, expectedState: string, timeoutMs: number, signal?: AbortSignal): Promise<RedirectListener> {
  let settle!: { resolve: (code: string) => void; reject: (error: Error) => void };
  const code = new Promise<string>((resolve, reject) => {
    settle = { resolve, reject };
  });
  code.catch(() => undefined);
  let done = false;
  const finish = (outcome: { code: string } | { error: Error }) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    server.close();
    server.closeAllConnections?.();
    if ('code' in outcome) settle.resolve(outcome.code);
    else settle.reject(outcome.error);
  };
  const reply = (res: ServerResponse, status: number, title: string, body: string) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', connection: 'close' });
    res.end(PAGE(title, body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH || done) {
      reply(res, 404, 'Not found', 'This address only receives the Genesys Cloud sign-in.');
      return;
    }
    const state = url.searchParams.get('state');
    const received = url.searchParams.get('code');
    const error = url.searchParams.get('error');
    if (state !== expectedState) {
      reply(res, 400, 'Sign-in refused', 'The sign-in answer did not match the request Custody made. Start the sign-in again.');
      finish({ error: new SignInRequiredError('The sign-in redirect carried the wrong state (not the request Custody made); nobody was signed in. Start the sign-in again.') });
      return;
    }
    if (error || !received) {
      reply(res, 400, 'Sign-in not completed', 'Genesys Cloud did not complete the sign-in. Close this window and try again.');
      const reason = error && /^[a-z_]{1,40}$/.test(error) ? error : 'no code';
      finish({ error: new SignInRequiredError(`Genesys did not complete the sign-in (${reason}); nobody was signed in.`) });
      return;
    }
    reply(res, 200, 'Signed in to Custody', 'You can close this window and return to Custody.');
    finish({ code: received });
  });
  const onAbort = () => finish({ error: new SignInRequiredError('Sign-in was cancelled; nobody was signed in.') });
  const timer = setTimeout(
    () => finish({ error: new SignInRequiredError(`No sign-in arrived within ${Math.round(timeoutMs / 1000)} s (was the browser closed?); nobody was signed in.`) }),
    timeoutMs,
  );
  timer.unref?.();
  signal?.addEventListener('abort', onAbort, { once: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new ValidationError(`The sign-in redirect port ${port} on 127.0.0.1 is in use; free it or configure another registered port.`)
          : error,
      ),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  }).catch((error: unknown) => {
    clearTimeout(timer);
    throw error;
  });
  return { port: (server.address() as AddressInfo).port, code, close: () => finish({ error: new SignInRequiredError('Sign-in ended.') }) };
}
