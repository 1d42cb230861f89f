import type { Logger } from '../../../shared/logger';
import type { Db } from '../../db/connection';
import { createReviewJournalRepository } from '../../db/repositories/review-journal-repository';
import { systemClock } from '../adapters/system-clock';
import type { SecretRedactor } from '../logging/redactor';
import { PlaybackGrants } from '../playback/playback-grants';
import type { Clock, SecretStore } from '../ports';
import { ReviewJournal } from '../review/review-journal';
import { ReviewSessionService } from '../review/review-session';
import { keyTrustForProfile, type ProfileKeyTrust } from '../signing/key-trust';
import { composeLog, currentIdentity, openProfileDatabase } from './compose-base';
import { composeProfileSettings } from './compose-settings';

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
  // Only the profile's paths and keychain entries: its settings file is never read (no credential, no network).
  const { paths, redactor, vault: seals } = composeProfileSettings(options);
  const log = composeLog(paths, redactor);
  const logger = log.logger.child('review');
  const db = openProfileDatabase(paths, await seals.atRestKey('index-key'));
  const grants = new PlaybackGrants(clock);
  const { osAccount, workstation } = currentIdentity();
  let review: ReviewSessionService;
  let keyTrust: ProfileKeyTrust | null = null;
  try {
    const journal = await ReviewJournal.open({ repository: createReviewJournalRepository(db), clock, seals });
    keyTrust = await keyTrustForProfile({ paths, vault: seals }, options.trustedKeys ?? []);
    review = await ReviewSessionService.open(
      { journal, grants, clock, osAccount, workstation, profile: options.profile, mediaUrlBase: options.mediaUrlBase },
      { packPath: options.packPath, reviewer: options.reviewer, trust: keyTrust.trust },
    );
  } catch (error) {
    db.close();
    await log.close();
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
      await log.close();
    },
  };
}
