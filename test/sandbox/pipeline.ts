import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordingAudioStore, AudioSource } from './audio';
import type { ClientCheck, RateDecision, RateLimiter, TokenRecord, TokenStore } from './auth';
import type { SeedRecording } from './dataset';
import { parseFaultConfig, type FaultInjector } from './faults';
import { BodyTooLargeError, errorBody, NO_CACHE_HEADERS, parseJson, readBody, REQUEST_BYTES_MAX, SandboxHttpError, type JsonReply } from './http';
import { errorPage, HTML_HEADERS, type HtmlReply } from './login-page';
import { sendMediaFile, sendXmlError } from './media';
import type { MediaSigner } from './media-signer';
import { matchRoute, type HttpMethod, type Route } from './routes';
import type { TokenReply, UserSignIn } from './signin';
import type { StatsRecorder } from './stats';
import type { SandboxUsers } from './users';
import type { SandboxWorld } from './world';

/**
 * The request path through the sandbox: gateway prefixes, the token endpoint, bearer checks, the per-token rate
 * limit, fault injection, the API handlers, signed media and the test-control endpoints.
 */

export type ControlHooks = {
  revokeClient(clientId: string): void;
  restoreClient(clientId: string): void;
  expireAllTokens(): void;
  deleteRecording(conversationId: string, recordingId: string): void;
  revokeUser(email: string): void;
  restoreUser(email: string): void;
  expireUserTokens(email: string): void;
  setSpeechAnalytics(enabled: boolean): void;
  dropTranscript(conversationId: string): void;
};

export type PipelineDeps = {
  routes: ReadonlyArray<Route>;
  tokens: TokenStore;
  users: SandboxUsers;
  signIn: UserSignIn;
  limiter: RateLimiter;
  faults: FaultInjector;
  stats: StatsRecorder;
  world: SandboxWorld;
  signer: MediaSigner;
  audio: RecordingAudioStore;
  audioSource: (recording: Readonly<SeedRecording>) => Promise<AudioSource>;
  /** The speech analytics transcript document of a recording's communication (a 'transcript' grant). */
  transcript: (recording: Readonly<SeedRecording>) => Promise<unknown>;
  control: ControlHooks;
  logRequests: boolean;
  now: () => number;
};

const GATEWAY_PREFIX = /^\/(?:login|gc)(?=\/(?:oauth|api)\/)/;
const API_PREFIX = '/api/v2';
/** Query parameters never written to the request log. */
const SECRET_PARAMS = ['code', 'code_verifier', 'refresh_token', 'access_token', 'client_secret', 'password', 'username'];

/** The path and query as the request log shows them: media grants and credentials redacted. */
export function loggablePath(path: string, query: URLSearchParams): string {
  if (path.startsWith('/media/')) return '/media/<signed>';
  const shown = new URLSearchParams(query);
  for (const name of SECRET_PARAMS) if (shown.has(name)) shown.set(name, '<redacted>');
  const search = shown.toString();
  return search ? `${path}?${search}` : path;
}

export class RequestPipeline {
  constructor(private readonly deps: PipelineDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = this.deps.now();
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const path = url.pathname.replace(GATEWAY_PREFIX, '');
    if (this.deps.logRequests) {
      const shown = loggablePath(path, url.searchParams);
      res.on('finish', () => console.log(`[sandbox] ${req.method} ${shown} -> ${res.statusCode} ${this.deps.now() - started}ms`));
    }
    if (path.startsWith('/__sandbox/')) return this.control(req, res, path);
    if (path.startsWith('/media/')) return this.media(req, res, path.slice('/media/'.length));
    const correlationId = randomUUID();
    if (path === '/oauth/token') return this.oauth(req, res, correlationId);
    if (path === '/oauth/authorize') return this.authorize(req, res, url);
    if (path === API_PREFIX || path.startsWith(`${API_PREFIX}/`)) return this.api(req, res, path.slice(API_PREFIX.length), url.searchParams, correlationId);
    await readBody(req).catch(() => Buffer.alloc(0));
    this.sendJson(res, 404, errorBody(404, 'not.found', `No such resource: ${path}`, correlationId), { 'inin-correlation-id': correlationId });
  }

  private async api(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, correlationId: string): Promise<void> {
    const { tokens, limiter, faults, stats } = this.deps;
    const method = (req.method ?? 'GET').toUpperCase();
    const match = matchRoute(this.deps.routes, method, path);
    stats.request('api', match ? `${method} ${API_PREFIX}${match.route.template}` : `${method} ${API_PREFIX}/(unknown)`);
    let headers: Record<string, string> = {
      'inin-correlation-id': correlationId,
      ...limiter.rateLimitHeaders({ allowed: true, limit: limiter.limit, count: 0, resetSeconds: 60 }),
      ...NO_CACHE_HEADERS,
    };
    const fail = (status: number, code: string, message: string, extra: Record<string, string> = {}): void =>
      this.sendJson(res, status, errorBody(status, code, message, correlationId), { ...headers, ...extra });

    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return fail(413, 'request.entity.too.large', `The request body exceeds ${REQUEST_BYTES_MAX} bytes.`);
      throw error;
    }
    const authorization = req.headers.authorization ?? '';
    const bearer = /^bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
    if (!bearer) return fail(401, 'authentication.required', 'No authentication bearer token specified in authorization header.');
    const lookup = tokens.lookup(bearer);
    if (!lookup.ok) return fail(401, 'bad.credentials', 'Invalid login credentials.');
    const token: TokenRecord = lookup.record;
    stats.token(token);
    const decision: RateDecision = limiter.consume(token.tokenId);
    headers = { ...headers, ...limiter.rateLimitHeaders(decision) };
    if (!decision.allowed) {
      return fail(429, 'too.many.requests.retry.after', `Rate limit exceeded the maximum. Retry the request in [${decision.resetSeconds}] seconds`, {
        'retry-after': String(decision.resetSeconds),
      });
    }
    if (!match) return fail(404, 'not.found', `No API operation ${method} ${API_PREFIX}${path}.`);
    const granted = token.userId !== undefined ? this.deps.users.get(token.userId)?.permissions : tokens.client(token.clientId)?.permissions;
    const needed = match.route.permissions;
    if (granted && needed.length > 0 && !needed.some((p) => granted.includes(p))) {
      return fail(403, 'missing.any.permissions', `Unable to perform the requested action. You are missing the following permission(s): ${needed.join(', ')}`);
    }

    if (faults.roll('slow')) {
      stats.fault('slow');
      await sleep(faults.slowDelayMs());
    }
    if (faults.roll('reset')) {
      stats.fault('reset');
      req.socket.destroy();
      return;
    }
    if (faults.roll('http5xx')) {
      stats.fault('http5xx');
      const outage = faults.pick5xx();
      return fail(outage.status, outage.code, outage.message);
    }
    if (faults.roll('tokenExpiry')) {
      stats.fault('tokenExpiry');
      tokens.expire(token.tokenId);
      return fail(401, 'bad.credentials', 'Invalid login credentials.');
    }

    let reply: JsonReply;
    try {
      const json = method === 'POST' || method === 'PUT' ? parseJson(body) : undefined;
      reply = await match.route.handle({ method: method as HttpMethod, query, params: match.params, json, clientId: token.clientId, token });
    } catch (error) {
      if (!(error instanceof SandboxHttpError)) throw error;
      return this.sendJson(res, error.status, errorBody(error.status, error.code, error.message, correlationId, error.details), { ...headers, ...error.headers });
    }
    headers = { ...headers, ...reply.headers };
    if (reply.body !== undefined && faults.roll('truncate')) {
      stats.fault('truncate');
      return this.sendTruncatedJson(res, reply.status, reply.body, headers);
    }
    if (reply.body !== undefined && faults.roll('malformedJson')) {
      stats.fault('malformedJson');
      const text = JSON.stringify(reply.body);
      return this.sendRaw(res, 200, text.slice(0, Math.max(1, Math.floor(text.length / 2))), headers);
    }
    this.sendJson(res, reply.status, reply.body, headers);
  }

  private async oauth(req: IncomingMessage, res: ServerResponse, correlationId: string): Promise<void> {
    const { tokens, stats } = this.deps;
    stats.request('oauth', `${req.method ?? 'GET'} /oauth/token`);
    const body = await readBody(req).catch(() => Buffer.alloc(0));
    const headers = { 'inin-correlation-id': correlationId, ...NO_CACHE_HEADERS };
    const answer = (reply: TokenReply, extra: Record<string, string> = {}): void => {
      if (reply.status === 200) stats.tokenIssued();
      else stats.tokenRejected();
      this.sendJson(res, reply.status, reply.body, { ...headers, ...extra });
    };
    const reject = (status: number, error: string, description: string, extra: Record<string, string> = {}): void =>
      answer({ status, body: { error, description, error_description: description } }, extra);
    const refuseClient = (check: Exclude<ClientCheck, 'ok'>): void =>
      reject(401, 'invalid_client', check === 'revoked' ? 'The OAuth client has been revoked or deactivated.' : 'Invalid client credentials.');
    if (req.method !== 'POST') return reject(405, 'invalid_request', 'Use POST to request a token.');
    const form = new URLSearchParams(body.toString('utf8'));
    const grantType = form.get('grant_type');
    const basic = basicCredentials(req.headers.authorization);

    if (grantType === 'authorization_code' || grantType === 'refresh_token') {
      // A public PKCE client names itself in the form; one that sends Basic must send its right secret.
      const clientId = basic?.clientId ?? form.get('client_id') ?? '';
      if (!clientId) return reject(401, 'invalid_client', 'The client_id parameter (or HTTP Basic client authentication) is required.');
      const formClient = form.get('client_id');
      if (basic && formClient !== null && formClient !== basic.clientId) return reject(401, 'invalid_client', 'client_id does not match the HTTP Basic client.');
      const check = basic ? tokens.checkClient(basic.clientId, basic.clientSecret) : tokens.checkPublicClient(clientId);
      if (check !== 'ok') return refuseClient(check);
      return answer(grantType === 'authorization_code' ? this.deps.signIn.exchangeCode(form, clientId) : this.deps.signIn.refresh(form, clientId));
    }

    if (!basic) return reject(401, 'invalid_client', 'Client authentication is required (HTTP Basic with client id and secret).');
    const check = tokens.checkClient(basic.clientId, basic.clientSecret);
    if (check !== 'ok') return refuseClient(check);
    if (grantType !== 'client_credentials') {
      return reject(400, 'unsupported_grant_type', `Unsupported grant_type ${JSON.stringify(grantType)}; use client_credentials, authorization_code or refresh_token.`);
    }
    const retryAfter = tokens.reserveCreation(basic.clientId);
    if (retryAfter > 0) {
      return reject(429, 'too_many_requests', `Token creation rate limit exceeded. Retry in ${retryAfter} seconds.`, { 'retry-after': String(retryAfter) });
    }
    const { token } = tokens.issue(basic.clientId);
    answer({ status: 200, body: { access_token: token, token_type: 'bearer', expires_in: tokens.ttl } });
  }

  /** The login form (GET) and its submission (POST to the same URL, query kept). */
  private async authorize(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    this.deps.stats.request('oauth', `${method} /oauth/authorize`);
    const body = await readBody(req, 16_384).catch(() => null);
    const form = method === 'POST' && body ? new URLSearchParams(body.toString('utf8')) : null;
    const reply = method === 'POST' && !body ? errorPage(413, 'The sign-in form is too large.') : this.deps.signIn.authorize(method, `${url.pathname}${url.search}`, url.searchParams, form);
    this.deps.stats.status(reply.status);
    if ('location' in reply) {
      res.writeHead(302, { location: reply.location, 'cache-control': 'no-store', 'content-length': 0 });
      res.end();
      return;
    }
    sendHtml(res, reply);
  }

  private async media(req: IncomingMessage, res: ServerResponse, signed: string): Promise<void> {
    const { faults, stats, world, signer } = this.deps;
    stats.request('media', `${req.method ?? 'GET'} /media/{token}`);
    res.on('finish', () => stats.status(res.statusCode));
    await readBody(req).catch(() => Buffer.alloc(0));
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendXmlError(res, 405, 'MethodNotAllowed', 'Only GET and HEAD are allowed.');
    if (faults.roll('slow')) {
      stats.fault('slow');
      await sleep(faults.slowDelayMs());
    }
    if (faults.roll('reset')) {
      stats.fault('reset');
      req.socket.destroy();
      return;
    }
    if (faults.roll('http5xx')) {
      stats.fault('http5xx');
      const outage = faults.pick5xx();
      return sendXmlError(res, outage.status, outage.status === 503 ? 'ServiceUnavailable' : 'InternalError', outage.message);
    }
    if (faults.roll('expiredMedia')) {
      stats.fault('expiredMedia');
      return sendXmlError(res, 403, 'AccessDenied', 'Request has expired');
    }
    const grant = signer.verify(signed);
    if (!grant) return sendXmlError(res, 403, 'AccessDenied', 'The signature does not match.');
    if (grant.expiresAt <= this.deps.now()) return sendXmlError(res, 403, 'AccessDenied', 'Request has expired');
    const recording = world.recording(grant.conversationId, grant.recordingId);
    if (!recording || world.fileState(recording) === 'DELETED') return sendXmlError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    if (grant.kind === 'transcript') {
      const payload = JSON.stringify(await this.deps.transcript(recording));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
      res.end(req.method === 'HEAD' ? undefined : payload);
      return;
    }
    if (!world.mediaAvailable(recording)) return sendXmlError(res, 403, 'InvalidObjectState', 'The object is archived and must be restored first.');
    const body = await this.deps.audio.body(await this.deps.audioSource(recording));
    const truncate = req.method === 'GET' && faults.roll('truncate');
    if (truncate) stats.fault('truncate');
    const fileName = grant.fileName ? (grant.fileName.toLowerCase().endsWith('.wav') ? grant.fileName : `${grant.fileName}.wav`) : undefined;
    const sent = await sendMediaFile(req, res, { body, contentType: 'audio/wav', ...(fileName ? { fileName } : {}) }, truncate);
    stats.mediaSent(sent);
  }

  private async control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const { stats, faults, control } = this.deps;
    const body = await readBody(req).catch(() => Buffer.alloc(0));
    const route = `${req.method ?? 'GET'} ${path}`;
    // Control traffic is not part of what the stats measure.
    const reply = (status: number, value: unknown): void => {
      const payload = JSON.stringify(value);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
      res.end(payload);
    };
    const ok = (value: unknown = { ok: true }): void => reply(200, value);
    const bad = (message: string): void => reply(400, { error: message });
    const parts = path.split('/').filter((p) => p.length > 0).map(decodeURIComponent);
    try {
      if (route === 'GET /__sandbox/stats') return ok(stats.snapshot());
      if (route === 'POST /__sandbox/stats/reset') {
        stats.reset();
        return ok();
      }
      if (route === 'GET /__sandbox/faults') return ok(faults.get());
      if (route === 'POST /__sandbox/faults') {
        faults.set(parseFaultConfig(JSON.parse(body.toString('utf8') || '{}')));
        return ok(faults.get());
      }
      if (route === 'POST /__sandbox/tokens/expire') {
        control.expireAllTokens();
        return ok();
      }
      if (req.method === 'POST' && parts[1] === 'clients' && parts.length === 4 && (parts[3] === 'revoke' || parts[3] === 'restore')) {
        if (parts[3] === 'revoke') control.revokeClient(parts[2] as string);
        else control.restoreClient(parts[2] as string);
        return ok();
      }
      if (req.method === 'POST' && parts[1] === 'users' && parts.length === 4 && (parts[3] === 'revoke' || parts[3] === 'restore')) {
        if (parts[3] === 'revoke') control.revokeUser(parts[2] as string);
        else control.restoreUser(parts[2] as string);
        return ok();
      }
      if (req.method === 'POST' && parts[1] === 'users' && parts.length === 5 && parts[3] === 'tokens' && parts[4] === 'expire') {
        control.expireUserTokens(parts[2] as string);
        return ok();
      }
      if (req.method === 'POST' && parts[1] === 'recordings' && parts.length === 5 && parts[4] === 'delete') {
        control.deleteRecording(parts[2] as string, parts[3] as string);
        return ok();
      }
      if (req.method === 'POST' && parts[1] === 'speech-analytics' && parts.length === 3 && (parts[2] === 'on' || parts[2] === 'off')) {
        control.setSpeechAnalytics(parts[2] === 'on');
        return ok();
      }
      if (req.method === 'POST' && parts[1] === 'transcripts' && parts.length === 4 && parts[3] === 'drop') {
        control.dropTranscript(parts[2] as string);
        return ok();
      }
      if (route === 'GET /__sandbox/dataset') return ok(this.deps.world.dataset);
    } catch (error) {
      return bad((error as Error).message);
    }
    reply(404, { error: `no sandbox control endpoint ${route}` });
  }

  private sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
    this.sendRaw(res, status, body === undefined ? '' : JSON.stringify(body), headers);
  }

  private sendRaw(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
    const payload = Buffer.from(text, 'utf8');
    const all: Record<string, string | number> = { ...headers, 'content-length': payload.length };
    if (payload.length > 0) all['content-type'] = 'application/json';
    this.deps.stats.status(status);
    res.writeHead(status, all);
    res.end(payload);
  }

  /** Announces the full length, sends half, then drops the connection. */
  private sendTruncatedJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
    const payload = Buffer.from(JSON.stringify(body), 'utf8');
    this.deps.stats.status(status);
    res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': payload.length });
    res.write(payload.subarray(0, Math.floor(payload.length / 2)), () => res.destroy());
  }
}

function basicCredentials(header: string | undefined): { clientId: string; clientSecret: string } | null {
  const basic = /^basic\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
  const decoded = basic ? Buffer.from(basic, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  return colon > 0 ? { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) } : null;
}

function sendHtml(res: ServerResponse, reply: HtmlReply): void {
  const payload = Buffer.from(reply.html, 'utf8');
  res.writeHead(reply.status, { ...HTML_HEADERS, 'content-length': payload.length });
  res.end(payload);
}
