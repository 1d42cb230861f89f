import { join } from 'node:path';
import type { Logger } from '../../../shared/logger';
import { openDatabaseSync, type Db } from '../../db/connection';
import { createReviewJournalRepository } from '../../db/repositories/review-journal-repository';
import { systemClock } from '../adapters/system-clock';
import { createKeyringSecretStore } from '../auth/adapters/keyring-secret-store';
import { CredentialVault } from '../auth/credentials';
import { profilePaths } from '../config/profile';
import { currentOsAccount, currentWorkstation } from '../identity';
import { createFileLogWriter, createLogger } from '../logging/file-logger';
import { SecretRedactor } from '../logging/redactor';
import { PlaybackGrants } from '../playback/playback-grants';
import type { Clock, SecretStore } from '../ports';
import { keyTrustForProfile, type ProfileKeyTrust } from '../signing/key-trust';
import { ReviewJournal } from './review-journal';
import { ReviewSessionService } from './review-session';

export type ComposedReview = {
  review: ReviewSessionService;
  grants: PlaybackGrants;
  logger: Logger;
  redactor: SecretRedactor;
  db: Db;
  close(): Promise<void>;
};

/**
 * The composition root of a regulator review session. Deliberately small: the profile's local
 * database (for the journal), a log file and, from the keychain, only the journal's key and head
 * (no credential); no Genesys client, no network once open. Before it opens, the pack's signing key is
 * checked against the trusted keys (`custody pack verify`'s: this installation's public key from the
 * keychain, the pinned ones, the firm's audit bucket when reachable). The journal reaches the WORM log
 * later, from a normal start.
 */
export async function composeReview(options: {
  profile: string;
  packPath: string;
  reviewer: string;
  mediaUrlBase: string;
  /** `--trusted-key` values: key ids or PEM files. */
  trustedKeys?: ReadonlyArray<string>;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  secrets?: SecretStore;
}): Promise<ComposedReview> {
  const clock = options.clock ?? systemClock;
  const paths = profilePaths(options.profile, options.env ?? process.env);
  const redactor = new SecretRedactor();
  const logFile = createFileLogWriter(join(paths.dataDir, 'logs'));
  const logger = createLogger({ sink: logFile.write, redactor, minLevel: 'info' }).child('review');
  const db = openDatabaseSync(join(paths.dataDir, 'index.sqlite'));
  const grants = new PlaybackGrants(clock);
  const seals = new CredentialVault(options.secrets ?? createKeyringSecretStore(), options.profile, redactor);
  const osAccount = currentOsAccount();
  let review: ReviewSessionService;
  let keyTrust: ProfileKeyTrust | null = null;
  try {
    const journal = await ReviewJournal.open({ repository: createReviewJournalRepository(db), clock, seals });
    keyTrust = await keyTrustForProfile(options.profile, options.trustedKeys ?? [], { env: options.env, secrets: options.secrets });
    review = await ReviewSessionService.open(
      { journal, grants, clock, operator: { osAccount, name: options.reviewer }, workstation: currentWorkstation(), profile: options.profile, mediaUrlBase: options.mediaUrlBase },
      { packPath: options.packPath, reviewer: options.reviewer, trust: keyTrust.trust },
    );
  } catch (error) {
    db.close();
    await logFile.close();
    throw error;
  } finally {
    keyTrust?.close();
  }
  logger.info('review session opened', { sessionId: review.info().review?.sessionId, tampered: review.info().review?.tampered });
  return {
    review,
    grants,
    logger,
    redactor,
    db,
    close: async () => {
      await review.close();
      db.close();
      await logFile.close();
    },
  };
}
