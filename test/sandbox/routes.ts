import type { TokenRecord } from './auth';
import type { Dataset } from './dataset';
import type { JsonReply } from './http';
import type { MediaSigner } from './media-signer';
import type { SandboxWorld } from './world';

/** What the API handlers share: the world, timing knobs and URL signing. */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export type HandlerSettings = {
  playbackUrlTtlMinutes: number;
  batchUrlTtlMinutes: number;
  jobDelayMs: number;
  batchDelayMs: number;
  detailsQueryMaxDays: number;
  attributeSearchRetentionDays: number;
  dataLakeLagMs: number;
  deletionProtectionCap: number;
};

export type SandboxContext = {
  dataset: Dataset;
  world: SandboxWorld;
  settings: HandlerSettings;
  signer: MediaSigner;
  now: () => number;
  /** http://127.0.0.1:PORT, known once the server listens. */
  origin: () => string;
};

export type ApiRequest = {
  method: HttpMethod;
  query: URLSearchParams;
  params: Record<string, string>;
  /** Parsed JSON body, undefined when there is none. */
  json: unknown;
  clientId: string;
  /** The calling token: its user (user tokens), sign-in and short id. */
  token: TokenRecord;
};

export type Route = {
  method: HttpMethod;
  /** Path under /api/v2 with {param} segments; also the stats key. */
  template: string;
  /** Any one of these grants access. */
  permissions: ReadonlyArray<string>;
  handle(request: ApiRequest): JsonReply | Promise<JsonReply>;
};

export type RouteMatch = { route: Route; params: Record<string, string> };

/** The most specific match wins: literal segments beat {params}. */
export function matchRoute(routes: ReadonlyArray<Route>, method: string, path: string): RouteMatch | null {
  const segments = path.split('/').filter((s) => s.length > 0);
  let best: { match: RouteMatch; score: number } | null = null;
  for (const route of routes) {
    if (route.method !== method) continue;
    const parts = route.template.split('/').filter((s) => s.length > 0);
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let score = 0;
    let matched = true;
    for (let i = 0; i < parts.length && matched; i += 1) {
      const part = parts[i] as string;
      const segment = segments[i] as string;
      if (part.startsWith('{') && part.endsWith('}')) {
        try {
          params[part.slice(1, -1)] = decodeURIComponent(segment);
        } catch {
          matched = false;
        }
      } else if (part === segment) {
        score += 1;
      } else {
        matched = false;
      }
    }
    if (matched && (!best || score > best.score)) best = { match: { route, params }, score };
  }
  return best?.match ?? null;
}
