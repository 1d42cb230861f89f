import type { Logger } from '../../../shared/logger';
import type { EventHub } from '../events';
import type { Clock, HttpClient } from '../ports';
import { TranscriptService } from '../transcripts/transcript-service';
import type { AuditDomain } from './compose-audit';
import type { ProfileRepositories } from './compose-base';
import type { GenesysConnection } from './compose-genesys';

/**
 * Transcripts from Genesys speech analytics, read with the signed-in officer's token. With `background`
 * (the app), each completed index sync (an officer's search) sets off the fetch of the indexed calls'
 * missing transcripts, paced and audited one by one; the CLI fetches only what it is asked for.
 */
export function composeTranscripts(deps: {
  repositories: Pick<ProfileRepositories, 'index' | 'transcripts'>;
  audit: Pick<AuditDomain, 'writer' | 'actors'>;
  genesys: Pick<GenesysConnection, 'officer'>;
  http: HttpClient;
  clock: Clock;
  logger: Logger;
  events: EventHub;
  background: boolean;
}): TranscriptService {
  const service = new TranscriptService({
    transcripts: deps.repositories.transcripts,
    index: deps.repositories.index,
    audit: deps.audit.writer,
    actors: deps.audit.actors,
    genesys: deps.genesys.officer,
    http: deps.http,
    clock: deps.clock,
    logger: deps.logger.child('transcripts'),
  });
  if (deps.background) {
    deps.events.subscribe((event) => {
      if (event.kind === 'index.syncCompleted') void service.fetchInBackground();
    });
  }
  return service;
}
