import platformClient from 'purecloud-platform-client-v2';
import type { IndexRepository } from '../../electron/db/repositories/index-repository';
import type { OfficerSession } from '../../electron/services/auth/officer';
import { CredentialVault } from '../../electron/services/auth/credentials';
import { TokenManager } from '../../electron/services/auth/token-manager';
import type { MediaCache } from '../../electron/services/cache/media-cache';
import { composeGenesys, type GenesysConnection } from '../../electron/services/composition/compose-genesys';
import { createSdkClient, GenesysClient, loginWithClientCredentials, type GenesysClientDeps, type SdkTransport } from '../../electron/services/genesys/genesys-client';
import { SecretRedactor } from '../../electron/services/logging/redactor';
import type { Clock, HttpClient, Random } from '../../electron/services/ports';
import type { Logger } from '../../shared/logger';
import { memorySecretStore } from '../helpers/audit-module';
import { FakeOfficerSession } from './officer-session';

export type FakeRecording = {
  id: string;
  conversationId: string;
  audio: Uint8Array;
  fileState?: 'AVAILABLE' | 'ARCHIVED' | 'DELETED' | 'RESTORING';
  startTime?: string;
  endTime?: string;
  /** Answers 202 without a media link this many times before the link is ready. */
  transcodingPolls?: number;
};

export type FakeAnswer = { status: number; headers?: Record<string, string>; body?: unknown };
export type FakeRequest = { method: string; path: string; query: Record<string, unknown>; token: string | null; body: unknown };

const gateway = 'http://genesys.fake';
const mediaOrigin = 'https://media.genesys.fake';
/** The org's one OAuth client. */
const oauthClient = { clientId: 'custody-unit', clientSecret: 'fake-client-secret' };

/**
 * A Genesys org in memory, reached through the official SDK: the SDK's HTTP transport answers from
 * here (its client-credentials sign-in at /oauth/token included), and media links are served by an
 * HttpClient (the engine's port). Faults are queued per route; an issued token can be revoked to
 * draw a 401.
 */
export class FakeGenesysOrg {
  readonly recordings = new Map<string, FakeRecording>();
  readonly requests: Array<FakeRequest> = [];
  readonly mediaRequests: Array<string> = [];
  /** Conversations under deletion protection. */
  readonly protectedConversations = new Set<string>();
  /** Conversations whose protection Genesys refuses, with its error code. */
  readonly refuseProtection = new Map<string, string>();
  /** Client-credentials sign-ins answered. */
  logins = 0;
  /** While set, sign-ins wait for it (to make callers overlap). */
  loginGate: Promise<void> | null = null;
  loginRefused = false;
  private readonly faults: Array<{ route: RegExp; answer: FakeAnswer; times: number }> = [];
  private readonly revoked = new Set<string>();
  private readonly batches = new Map<string, Array<{ conversationId: string; recordingId?: string }>>();
  private readonly polls = new Map<string, number>();

  add(...recordings: Array<FakeRecording>): this {
    for (const r of recordings) this.recordings.set(r.id, r);
    return this;
  }

  /** The next `times` requests whose "METHOD path" (media links: "MEDIA /<recording id>") matches `route` get `answer` instead. */
  fail(route: RegExp, answer: FakeAnswer, times = 1): void {
    this.faults.push({ route, answer, times });
  }

  /** Requests answered by the API (not media), as "METHOD path". */
  calls(route?: RegExp): Array<string> {
    return this.requests.map((r) => `${r.method} ${r.path}`).filter((line) => !route || route.test(line));
  }

  revoke(token: string): void {
    this.revoked.add(token);
  }

  /** A GenesysClient over this org, for testing the client itself. */
  client(deps: { clock: Clock; random: Random; logger: Logger } & Partial<Omit<GenesysClientDeps, 'sdk' | 'tokens'>>): { client: GenesysClient; tokens: TokenManager } {
    const sdk = createSdkClient({ gateway });
    sdk.setHttpClient(this.transport());
    const tokens = new TokenManager({ login: () => loginWithClientCredentials(sdk, oauthClient), clock: deps.clock, logger: deps.logger });
    return { client: new GenesysClient({ ...deps, sdk, tokens }), tokens };
  }

  /**
   * The profile's Genesys connection over this org, built by the product's own factory: the OAuth
   * client's credentials in a keychain held in memory, the SDK sending through this org's transport;
   * officers' calls carry the tokens `officer` hands out (default: a fake session with officer A signed in).
   */
  async connection(deps: { clock: Clock; random: Random; logger: Logger; index: IndexRepository; cache: MediaCache; officer?: OfficerSession }): Promise<GenesysConnection> {
    const redactor = new SecretRedactor();
    const vault = new CredentialVault(memorySecretStore(), 'unit', redactor);
    await vault.saveGenesys(oauthClient);
    const officer = deps.officer ?? new FakeOfficerSession();
    return composeGenesys({ ...deps, officer, profileName: 'unit', endpoint: { gateway }, vault, http: this.media, redactor, genesysTransport: this.transport() });
  }

  /** Pre-signed media links, as the engine's HttpClient port fetches them. */
  readonly media: HttpClient = async (input) => {
    const url = new URL(String(input));
    this.mediaRequests.push(url.pathname);
    const fault = this.takeFault(`MEDIA ${url.pathname}`);
    if (fault) return new Response(fault.body === undefined ? null : JSON.stringify(fault.body), { status: fault.status, headers: fault.headers ?? {} });
    const recording = this.recordings.get(url.pathname.slice(1));
    if (url.origin !== mediaOrigin || !recording) return new Response(null, { status: 404 });
    return new Response(Buffer.from(recording.audio), { status: 200, headers: { 'content-type': 'audio/wav', 'content-length': String(recording.audio.length) } });
  };

  /** The SDK's HTTP transport, answering from this org. */
  transport(): SdkTransport {
    const Base = (platformClient as unknown as { AbstractHttpClient: new () => { request(options: unknown): Promise<unknown>; enableHooks(): void } }).AbstractHttpClient;
    const answer = (request: FakeRequest) => this.answer(request);
    const signIn = (authorization: string) => this.signIn(authorization);
    class Transport extends Base {
      enableHooks(): void {}
      async request(options: unknown): Promise<unknown> {
        const { url, method, headers, params, data } = options as { url: string; method: string; headers?: Record<string, string>; params?: Record<string, unknown>; data?: unknown };
        const path = new URL(url).pathname;
        const authorization = headers?.Authorization ?? '';
        const response = path === '/oauth/token' ? await signIn(authorization) : await answer({ method, path, query: params ?? {}, token: authorization.replace(/^Bearer /, '') || null, body: data });
        const axiosLike = { status: response.status, statusText: String(response.status), headers: response.headers ?? {}, data: response.body };
        if (response.status >= 400) throw Object.assign(new Error(`Request failed with status code ${response.status}`), { response: axiosLike });
        return axiosLike;
      }
    }
    return new Transport() as unknown as SdkTransport;
  }

  /** POST /oauth/token with the client's credentials (Basic), as the SDK's login sends it. */
  private async signIn(authorization: string): Promise<FakeAnswer> {
    this.logins += 1;
    const number = this.logins;
    if (this.loginGate) await this.loginGate;
    const expected = `Basic ${Buffer.from(`${oauthClient.clientId}:${oauthClient.clientSecret}`).toString('base64')}`;
    if (this.loginRefused || authorization !== expected) return { status: 401, body: { error: 'invalid_client' } };
    return { status: 200, body: { access_token: `token-${number}`, token_type: 'bearer', expires_in: 3_600 } };
  }

  private takeFault(line: string): FakeAnswer | null {
    const fault = this.faults.find((f) => f.times > 0 && f.route.test(line));
    if (!fault) return null;
    fault.times -= 1;
    return fault.answer;
  }

  private async answer(request: FakeRequest): Promise<FakeAnswer> {
    await Promise.resolve();
    const { method, path, query, token, body } = request;
    this.requests.push(request);
    if (!token || this.revoked.has(token)) return { status: 401, body: { message: 'Invalid login credentials.' } };
    const fault = this.takeFault(`${method} ${path}`);
    if (fault) return fault;
    let match: RegExpExecArray | null;
    if (method === 'GET' && (match = /^\/api\/v2\/conversations\/([^/]+)\/recordings$/.exec(path))) {
      const recordings = this.ofConversation(match[1]!);
      if (recordings.length === 0) return { status: 404, body: { message: 'conversation not found' } };
      const views = recordings.map((r) => this.view(r));
      return { status: views.some((v) => v.ready === false) ? 202 : 200, body: views.map((v) => v.recording) };
    }
    if (method === 'GET' && (match = /^\/api\/v2\/conversations\/([^/]+)\/recordings\/([^/]+)$/.exec(path))) {
      const recording = this.recordings.get(match[2]!);
      if (!recording || recording.conversationId !== match[1]) return { status: 404, body: { message: 'recording not found' } };
      const view = this.view(recording);
      return { status: view.ready ? 200 : 202, body: view.recording };
    }
    if (method === 'GET' && (match = /^\/api\/v2\/conversations\/([^/]+)\/recordingmetadata$/.exec(path))) {
      return { status: 200, body: this.ofConversation(match[1]!).map((r) => metadataOf(r)) };
    }
    if (method === 'POST' && path === '/api/v2/recording/batchrequests') {
      const id = `batch-${this.batches.size + 1}`;
      this.batches.set(id, (body as { batchDownloadRequestList: Array<{ conversationId: string; recordingId?: string }> }).batchDownloadRequestList);
      return { status: 202, body: { id } };
    }
    if (method === 'GET' && (match = /^\/api\/v2\/recording\/batchrequests\/([^/]+)$/.exec(path))) {
      const items = this.batches.get(match[1]!);
      if (!items) return { status: 404, body: { message: 'no such batch' } };
      const results = items.flatMap((item) =>
        this.ofConversation(item.conversationId)
          .filter((r) => !item.recordingId || r.id === item.recordingId)
          .map((r) => ({ conversationId: r.conversationId, recordingId: r.id, ...(stateOf(r) === 'AVAILABLE' ? { resultUrl: `${mediaOrigin}/${r.id}` } : { errorMsg: stateOf(r) }) })),
      );
      return { status: 200, body: { id: match[1], status: 'Completed', expectedResultCount: results.length, resultCount: results.length, results } };
    }
    if (method === 'PUT' && path === '/api/v2/recordings/deletionprotection') {
      const { conversationIds } = body as { conversationIds: Array<string> };
      const protect = String(query.protect) === 'true';
      const failedUpdates = [];
      for (const id of conversationIds) {
        const refusal = this.refuseProtection.get(id);
        if (refusal) failedUpdates.push({ conversation: { id }, errorCode: refusal, errorMessage: refusal });
        else if (protect) this.protectedConversations.add(id);
        else this.protectedConversations.delete(id);
      }
      return { status: 200, body: { failedUpdates } };
    }
    if (method === 'GET' && path === '/api/v2/organizations/me') return { status: 200, body: { id: 'org-1', name: 'Fake Org' } };
    return { status: 404, body: { message: `no fake route for ${method} ${path}` } };
  }

  private ofConversation(conversationId: string): Array<FakeRecording> {
    return [...this.recordings.values()].filter((r) => r.conversationId === conversationId);
  }

  private view(recording: FakeRecording): { ready: boolean; recording: Record<string, unknown> } {
    const polls = this.polls.get(recording.id) ?? 0;
    const transcoding = stateOf(recording) === 'AVAILABLE' && polls < (recording.transcodingPolls ?? 0);
    this.polls.set(recording.id, polls + 1);
    const mediaUris = stateOf(recording) === 'AVAILABLE' && !transcoding ? { S: { mediaUri: `${mediaOrigin}/${recording.id}` } } : undefined;
    return { ready: !transcoding, recording: { ...metadataOf(recording), ...(mediaUris ? { mediaUris } : {}) } };
  }
}

function stateOf(recording: FakeRecording): NonNullable<FakeRecording['fileState']> {
  return recording.fileState ?? 'AVAILABLE';
}

function metadataOf(recording: FakeRecording) {
  return {
    id: recording.id,
    conversationId: recording.conversationId,
    media: 'audio',
    fileState: stateOf(recording),
    ...(recording.startTime ? { startTime: recording.startTime } : {}),
    ...(recording.endTime ? { endTime: recording.endTime } : {}),
  };
}
