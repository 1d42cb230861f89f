import type { GenesysClient } from '../genesys/genesys-client';
import type { IndexSync } from '../index/index-sync';
import type { RateGovernor } from './rate-governor';
import type { RecordingFetcher } from './recording-fetcher';

/**
 * Genesys-facing services, built on first use because they need credentials from the keychain.
 * `bulk` is the patient client for jobs; it shares the token and the rate governor with the others.
 */
export type GenesysServices = { sync: IndexSync; fetcher: RecordingFetcher; bulk: GenesysClient; governor: RateGovernor };
