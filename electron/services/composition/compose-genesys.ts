import type { Officer } from '../../../shared/domain';
import type { Logger } from '../../../shared/logger';
import type { IndexRepository } from '../../db/repositories/index-repository';
import type { CredentialVault } from '../auth/credentials';
import type { OfficerSession } from '../auth/officer';
import type { MediaCache } from '../cache/media-cache';
import type { GenesysEndpoint } from '../config/profile';
import { AuthError, SignInRequiredError } from '../errors';
import type { ClientAuth, GenesysClient, SdkTransport } from '../genesys/genesys-client';
import { OfficerTokens } from '../genesys/officer-tokens';
import { IndexSync, type IndexSyncDeps } from '../index/index-sync';
import type { SecretRedactor } from '../logging/redactor';
import type { Clock, HttpClient, Random } from '../ports';
import type { GenesysServices } from '../retrieval/genesys-services';
import { RateGovernor } from '../retrieval/rate-governor';
import { RecordingFetcher } from '../retrieval/recording-fetcher';
import { lazy } from './lazy';

/** What the nightly archive uses: it waits out Genesys faults (the bulk policy) instead of failing fast. */
export type ArchiveGenesys = { sync: IndexSync; fetcher: RecordingFetcher; client: GenesysClient };
/** What holds and the posture check use: the interactive client and the index sync. */
export type AdminGenesys = { client: GenesysClient; sync: IndexSync };
/** One officer's connection: her token, her rate budget, and the services built on them. */
export type OfficerGenesys = { officer: Officer; services: GenesysServices; admin: AdminGenesys };

/**
 * The Genesys connections of a profile, as each consumer sees them. Every token holder (the service
 * account, each officer) has its own SDK client and rate governor, since Genesys counts its limits per
 * token: an officer's searches and jobs spend her own budget, not the service client's.
 */
export type GenesysConnection = {
  /** Under the service account (client credentials): unattended jobs, and admin checks that are no officer's. */
  services: () => Promise<GenesysServices>;
  /** Under the service account: the nightly archive and the retention sweep. */
  archive: () => Promise<ArchiveGenesys>;
  /** Under the service account: the posture check's reads of the org. */
  admin: () => Promise<AdminGenesys>;
  /**
   * The signed-in officer's connection, for what she does: searches and the index sync they trigger,
   * play and fetch, downloads, deletion protection for her holds. SignInRequiredError with nobody signed in.
   */
  officer: () => Promise<OfficerGenesys>;
  /**
   * `officer`'s connection, for work she started (a bulk job): its calls carry her token only while
   * she is the one signed in; otherwise they fail with SignInRequiredError naming her.
   */
  forOfficer: (officer: Officer) => Promise<OfficerGenesys>;
  /** After Genesys refused the credentials (a blocked job): the next service use signs in again with the keychain's. */
  reconnect(): void;
};

type Connection = { services: GenesysServices; admin: AdminGenesys; archive: ArchiveGenesys };
type OfficerConnection = { tokens: OfficerTokens; connection: () => Promise<OfficerGenesys> };

export function composeGenesys(deps: {
  profileName: string;
  endpoint: GenesysEndpoint | null;
  vault: CredentialVault;
  officer: OfficerSession;
  index: IndexRepository;
  /** The org's users by email, kept by each index sync (trade matching reads them). */
  users?: IndexSyncDeps['users'];
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
  const connectAs = async (auth: ClientAuth, label: string): Promise<Connection> => {
    if (!deps.endpoint) {
      throw new AuthError(`No Genesys org is configured for profile "${deps.profileName}" (run "custody login" or "custody sandbox").`);
    }
    // The Genesys SDK is large: load it only when a Genesys call is actually needed.
    const { createGenesysClient } = await import('../genesys/genesys-client');
    // One governor per token holder, shared by its clients: jobs are paced, searches only wait out a 429.
    const governor = new RateGovernor({ clock, random, logger: logger.child('rate').child(label) });
    const client = createGenesysClient({
      endpoint: deps.endpoint,
      auth,
      clock,
      random,
      logger: logger.child('genesys'),
      onToken: (token) => deps.redactor.register(token),
      acquire: governor.acquire,
      onRateLimit: governor.observe,
      ...(deps.genesysTransport ? { transport: deps.genesysTransport } : {}),
    });
    const sync = new IndexSync({ genesys: client.interactive, index, users: deps.users, clock, logger: logger.child('index') });
    return {
      services: {
        sync,
        fetcher: new RecordingFetcher({ genesys: client.interactive, http, cache, clock, random, logger: logger.child('media') }),
        bulk: client.bulk,
        governor,
      },
      archive: {
        sync: new IndexSync({ genesys: client.bulk, index, users: deps.users, clock, logger: logger.child('index') }),
        fetcher: new RecordingFetcher({ genesys: client.bulk, http, cache, clock, random, logger: logger.child('archive-media') }),
        client: client.bulk,
      },
      admin: { client: client.interactive, sync },
    };
  };
  const connectService = async () => connectAs({ kind: 'service', credentials: await deps.vault.loadGenesys() }, 'service');
  let service = lazy(connectService);

  // Kept for the life of the engine: an officer who signs in again keeps her governor (her budget's state).
  const officers = new Map<string, OfficerConnection>();
  deps.officer.onChange(() => {
    for (const { tokens } of officers.values()) tokens.forget();
  });
  const forOfficer = (officer: Officer): Promise<OfficerGenesys> => {
    let entry = officers.get(officer.genesysUserId);
    if (!entry) {
      const tokens = new OfficerTokens(deps.officer, officer, deps.redactor);
      const connection = lazy(async () => {
        const { services, admin } = await connectAs({ kind: 'officer', name: officer.name, tokens }, 'officer');
        return { officer, services, admin };
      });
      entry = { tokens, connection };
      officers.set(officer.genesysUserId, entry);
    }
    return entry.connection();
  };

  return {
    services: async () => (await service()).services,
    archive: async () => (await service()).archive,
    admin: async () => (await service()).admin,
    officer: async () => {
      const current = await deps.officer.current();
      if (!current) throw new SignInRequiredError();
      return forOfficer({ genesysUserId: current.genesysUserId, name: current.name, email: current.email });
    },
    forOfficer,
    reconnect: () => {
      service = lazy(connectService);
    },
  };
}
