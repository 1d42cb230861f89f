import type { Logger } from '../../../shared/logger';
import type { IndexRepository } from '../../db/repositories/index-repository';
import type { CredentialVault } from '../auth/credentials';
import type { MediaCache } from '../cache/media-cache';
import type { GenesysEndpoint } from '../config/profile';
import { AuthError } from '../errors';
import type { GenesysClient, SdkTransport } from '../genesys/genesys-client';
import { IndexSync } from '../index/index-sync';
import type { SecretRedactor } from '../logging/redactor';
import type { Clock, HttpClient, Random } from '../ports';
import type { GenesysServices } from '../retrieval/genesys-services';
import { RateGovernor } from '../retrieval/rate-governor';
import { RecordingFetcher } from '../retrieval/recording-fetcher';
import { lazy } from './lazy';

/** What the nightly archive uses: it waits out Genesys faults (the bulk policy) instead of failing fast. */
export type ArchiveGenesys = { sync: IndexSync; fetcher: RecordingFetcher };
/** What holds and the posture check use: the interactive client and the index sync. */
export type AdminGenesys = { client: GenesysClient; sync: IndexSync };

/** One signed-in Genesys connection: one token, one rate governor, and the services built on them. */
type Connection = { services: GenesysServices; archive: ArchiveGenesys; admin: AdminGenesys };

/** The Genesys connection of a profile, as each consumer sees it. */
export type GenesysConnection = {
  services: () => Promise<GenesysServices>;
  archive: () => Promise<ArchiveGenesys>;
  admin: () => Promise<AdminGenesys>;
  /** After Genesys refused the credentials (a blocked job): the next use signs in again with the keychain's. */
  reconnect(): void;
};

export function composeGenesys(deps: {
  profileName: string;
  endpoint: GenesysEndpoint | null;
  vault: CredentialVault;
  index: IndexRepository;
  cache: MediaCache;
  http: HttpClient;
  clock: Clock;
  random: Random;
  logger: Logger;
  redactor: SecretRedactor;
  /** The SDK's HTTP transport; default: its own (axios). */
  genesysTransport?: SdkTransport;
}): GenesysConnection {
  const { index, cache, http, clock, random, logger } = deps;
  const connect = async (): Promise<Connection> => {
    if (!deps.endpoint) {
      throw new AuthError(`No Genesys org is configured for profile "${deps.profileName}" (run "custody login" or "custody sandbox").`);
    }
    const credentials = await deps.vault.loadGenesys();
    // The Genesys SDK is large: load it only when a Genesys call is actually needed.
    const { createGenesysClient } = await import('../genesys/genesys-client');
    // One governor for the one token all clients share: jobs are paced, searches only wait out a 429.
    const governor = new RateGovernor({ clock, random, logger: logger.child('rate') });
    const client = createGenesysClient({
      endpoint: deps.endpoint,
      credentials,
      clock,
      random,
      logger: logger.child('genesys'),
      onToken: (token) => deps.redactor.register(token),
      acquire: governor.acquire,
      onRateLimit: governor.observe,
      ...(deps.genesysTransport ? { transport: deps.genesysTransport } : {}),
    });
    const sync = new IndexSync({ genesys: client.interactive, index, clock, logger: logger.child('index') });
    return {
      services: {
        sync,
        fetcher: new RecordingFetcher({ genesys: client.interactive, http, cache, clock, random, logger: logger.child('media') }),
        bulk: client.bulk,
        governor,
      },
      archive: {
        sync: new IndexSync({ genesys: client.bulk, index, clock, logger: logger.child('index') }),
        fetcher: new RecordingFetcher({ genesys: client.bulk, http, cache, clock, random, logger: logger.child('archive-media') }),
      },
      admin: { client: client.interactive, sync },
    };
  };
  let connection = lazy(connect);
  return {
    services: async () => (await connection()).services,
    archive: async () => (await connection()).archive,
    admin: async () => (await connection()).admin,
    reconnect: () => {
      connection = lazy(connect);
    },
  };
}
