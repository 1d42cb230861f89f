import type { HealthTarget } from '../../../shared/health';
import { genesysHosts } from '../auth/officer-signin';
import type { GenesysEndpoint } from '../config/profile';
import type { EventHub } from '../events';
import { HealthMonitor } from '../health/health-monitor';
import type { SecretRedactor } from '../logging/redactor';
import type { Clock, HttpClient } from '../ports';
import { probeBucket } from '../worm/locked-objects';
import type { AuditDomain } from './compose-audit';

/**
 * The reachability of a profile's WORM store (a HEAD of its audit bucket) and Genesys org (any HTTP
 * answer of its API host: reachable, even a 401; no token is sent). Probes run only while a host watches.
 */
export function composeHealth(deps: {
  audit: Pick<AuditDomain, 'log'>;
  genesys: GenesysEndpoint | null;
  http: HttpClient;
  events: EventHub;
  clock: Clock;
  redactor: Pick<SecretRedactor, 'redactText'>;
}): HealthMonitor {
  const probes: Record<HealthTarget, (signal: AbortSignal) => Promise<void>> = {
    worm: async (signal) => {
      const { s3, bucket } = await deps.audit.log();
      await probeBucket(s3, bucket, signal);
    },
    genesys: async (signal) => {
      if (!deps.genesys) throw new Error('no Genesys org is configured for this profile');
      const response = await deps.http(`${genesysHosts(deps.genesys).api}/api/v2/health/check`, { method: 'HEAD', signal, redirect: 'manual' });
      if (response.status >= 500) throw new Error(`Genesys answered HTTP ${response.status}`);
    },
  };
  return new HealthMonitor({ probes, events: deps.events, clock: deps.clock, redact: (text) => deps.redactor.redactText(text) });
}
