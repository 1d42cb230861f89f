import platformClient from 'purecloud-platform-client-v2';
import { TokenManager, type IssuedToken } from '../../electron/services/auth/token-manager';
import { AuthError } from '../../electron/services/errors';
import type { IndexRepository } from '../../electron/db/repositories/index-repository';
import type { MediaCache } from '../../electron/services/cache/media-cache';
import { createSdkClient, GenesysClient, type GenesysClientDeps } from '../../electron/services/genesys/genesys-client';
import { IndexSync } from '../../electron/services/index/index-sync';
import type { GenesysServices } from '../../electron/services/retrieval/genesys-services';
import { RateGovernor } from '../../electron/services/retrieval/rate-governor';
import { RecordingFetcher } from '../../electron/services/retrieval/recording-fetcher';
import type { Clock, HttpClient, Random } from '../../electron/services/ports';
import type { Logger } from '../../shared/logger';

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

/**
 * A Genesys org in memory, reached through the official SDK: the SDK's HTTP client is swapped for
 * one that answers from here (the SDK's own transport port), and media links are served by an
 * HttpClient (the engine's port). Faults are queued per route; tokens are issued by `login`, the
 * TokenManager's port, and one can be revoked to draw a 401.
 */
export class FakeGenesysOrg {
  readonly recordings = new Map<string, FakeRecording>();
  readonly requests: Array<FakeRequest> = [];
  readonly mediaRequests: Array<string> = [];
  /** Conversations under deletion protection. */
  readonly protectedConversations = new Set<string>();
  /** Conversations whose protection Genesys refuses, with its error code. */
  readonly refuseProtection = new Map<string, string>();
  logins = 0;
  /** While set, logins wait for it (to make callers overlap). */
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

  async login(): Promise<IssuedToken> {
    this.logins += 1;
    const number = this.logins;
    if (this.loginGate) await this.loginGate;
    if (this.loginRefused) throw new AuthError('Genesys refused the client credentials (wrong or revoked client).');
    return { accessToken: `token-${number}`, expiresInMs: 3_600_000 };
  }

  /** A GenesysClient as the engine builds one, over this org. */
  client(deps: { clock: Clock; random: Random; logger: Logger } & Partial<Omit<GenesysClientDeps, 'sdk' | 'tokens'>>): { client: GenesysClient; tokens: TokenManager } {
    const sdk = createSdkClient({ gateway });
    sdk.setHttpClient(this.transport());
    const tokens = new TokenManager({ login: () => this.login(), clock: deps.clock, logger: deps.logger });
    return { client: new GenesysClient({ ...deps, sdk, tokens }), tokens };
  }

  /**
   * The engine's Genesys services (index sync, recording fetcher, bulk client) over this org, built as
   * composition builds them. No retries unless `backoff` says otherwise: a retry sleeps on the
   * clock, and a fake clock moves only when the test moves it.
   */
  services(deps: { clock: Clock; random: Random; logger: Logger; index: IndexRepository; cache: MediaCache } & Partial<Pick<GenesysClientDeps, 'backoff'>>): GenesysServices {
    const { clock, random, logger, index, cache } = deps;
    const { client } = this.client({ clock, random, logger, backoff: deps.backoff ?? { baseMs: 1, capMs: 1, maxAttempts: 1 } });
    return {
      sync: new IndexSync({ genesys: client, index, clock, logger }),
      fetcher: new RecordingFetcher({ genesys: client, http: this.media, cache, clock, random, logger, maxDownloadAttempts: 1 }),
      bulk: client,
      governor: new RateGovernor({ clock, random, logger }),
    };
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

  private transport(): InstanceType<typeof platformClient.AbstractHttpClient> {
    const Base = (platformClient as unknown as { AbstractHttpClient: new () => { request(options: unknown): Promise<unknown>; enableHooks(): void } }).AbstractHttpClient;
    const answer = (request: FakeRequest) => this.answer(request);
    class Transport extends Base {
      enableHooks(): void {}
      async request(options: unknown): Promise<unknown> {
        const { url, method, headers, params, data } = options as { url: string; method: string; headers?: Record<string, string>; params?: Record<string, unknown>; data?: unknown };
        const token = (headers?.Authorization ?? null)?.replace(/^Bearer /, '') ?? null;
        const response = await answer({ method, path: new URL(url).pathname, query: params ?? {}, token, body: data });
        const axiosLike = { status: response.status, statusText: String(response.status), headers: response.headers ?? {}, data: response.body };
        if (response.status >= 400) throw Object.assign(new Error(`Request failed with status code ${response.status}`), { response: axiosLike });
        return axiosLike;
      }
    }
    return new Transport() as unknown as InstanceType<typeof platformClient.AbstractHttpClient>;
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
