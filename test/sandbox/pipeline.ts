import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordingAudioStore, AudioSource } from './audio';
import type { RateDecision, RateLimiter, TokenRecord, TokenStore } from './auth';
import type { SeedRecording } from './dataset';
import { parseFaultConfig, type FaultInjector } from './faults';
import { BodyTooLargeError, errorBody, NO_CACHE_HEADERS, parseJson, readBody, REQUEST_BYTES_MAX, SandboxHttpError, type JsonReply } from './http';
import { sendMediaFile, sendXmlError } from './media';
import type { MediaSigner } from './media-signer';
import { matchRoute, type HttpMethod, type Route } from './routes';
import type { StatsRecorder } from './stats';
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
};

export type PipelineDeps = {
  routes: ReadonlyArray<Route>;
  tokens: TokenStore;
  limiter: RateLimiter;
  faults: FaultInjector;
  stats: StatsRecorder;
  world: SandboxWorld;
  signer: MediaSigner;
  audio: RecordingAudioStore;
  audioSource: (recording: Readonly<SeedRecording>) => Promise<AudioSource>;
  control: ControlHooks;
  logRequests: boolean;
  now: () => number;
};

const GATEWAY_PREFIX = /^\/(?:login|gc)(?=\/(?:oauth|api)\/)/;
const API_PREFIX = '/api/v2';

export class RequestPipeline {
  constructor(private readonly deps: PipelineDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = this.deps.now();
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const path = url.pathname.replace(GATEWAY_PREFIX, '');
    if (this.deps.logRequests) {
      // Media paths carry the signed grant: log the route, not the credential.
      const shown = path.startsWith('/media/') ? '/media/<signed>' : `${path}${url.search}`;
      res.on('finish', () => console.log(`[sandbox] ${req.method} ${shown} -> ${res.statusCode} ${this.deps.now() - started}ms`));
    }
    if (path.startsWith('/__sandbox/')) return this.control(req, res, path);
    if (path.startsWith('/media/')) return this.media(req, res, path.slice('/media/'.length));
    const correlationId = randomUUID();
    if (path === '/oauth/token') return this.oauth(req, res, correlationId);
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
    stats.token(token.tokenId);
    const decision: RateDecision = limiter.consume(token.tokenId);
    headers = { ...headers, ...limiter.rateLimitHeaders(decision) };
    if (!decision.allowed) {
      return fail(429, 'too.many.requests.retry.after', `Rate limit exceeded the maximum. Retry the request in [${decision.resetSeconds}] seconds`, {
        'retry-after': String(decision.resetSeconds),
      });
    }
    if (!match) return fail(404, 'not.found', `No API operation ${method} ${API_PREFIX}${path}.`);
    const granted = tokens.client(token.clientId)?.permissions;
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
      reply = await match.route.handle({ method: method as HttpMethod, query, params: match.params, json, clientId: token.clientId });
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
    const reject = (status: number, error: string, description: string, extra: Record<string, string> = {}): void => {
      stats.tokenRejected();
      this.sendJson(res, status, { error, description, error_description: description }, { ...headers, ...extra });
    };
    if (req.method !== 'POST') return reject(405, 'invalid_request', 'Use POST to request a token.');
    const basic = /^basic\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    const decoded = basic ? Buffer.from(basic, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon <= 0) return reject(401, 'invalid_client', 'Client authentication is required (HTTP Basic with client id and secret).');
    const clientId = decoded.slice(0, colon);
    const check = tokens.checkClient(clientId, decoded.slice(colon + 1));
    if (check === 'revoked') return reject(401, 'invalid_client', 'The OAuth client has been revoked or deactivated.');
    if (check !== 'ok') return reject(401, 'invalid_client', 'Invalid client credentials.');
    const grantType = new URLSearchParams(body.toString('utf8')).get('grant_type');
    if (grantType !== 'client_credentials') return reject(400, 'unsupported_grant_type', `Unsupported grant_type ${JSON.stringify(grantType)}; use client_credentials.`);
    const retryAfter = tokens.reserveCreation(clientId);
    if (retryAfter > 0) {
      return reject(429, 'too_many_requests', `Token creation rate limit exceeded. Retry in ${retryAfter} seconds.`, { 'retry-after': String(retryAfter) });
    }
    const { token } = tokens.issue(clientId);
    stats.tokenIssued();
    this.sendJson(res, 200, { access_token: token, token_type: 'bearer', expires_in: tokens.ttl }, headers);
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
    if (!world.mediaAvailable(recording)) return sendXmlError(res, 403, 'InvalidObjectState', 'The object is archived and must be restored first.');
    const path = await this.deps.audio.file(await this.deps.audioSource(recording));
    const truncate = req.method === 'GET' && faults.roll('truncate');
    if (truncate) stats.fault('truncate');
    const fileName = grant.fileName ? (grant.fileName.toLowerCase().endsWith('.wav') ? grant.fileName : `${grant.fileName}.wav`) : undefined;
    const sent = await sendMediaFile(req, res, { path, contentType: 'audio/wav', ...(fileName ? { fileName } : {}) }, truncate);
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
      if (req.method === 'POST' && parts[1] === 'recordings' && parts.length === 5 && parts[4] === 'delete') {
        control.deleteRecording(parts[2] as string, parts[3] as string);
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
