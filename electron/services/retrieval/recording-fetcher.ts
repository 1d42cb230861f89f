import { rm } from 'node:fs/promises';
import type { Logger } from '../../../shared/logger';
import type { CachedMedia, MediaCache, WrittenFile } from '../cache/media-cache';
import { AppError } from '../errors';
import type { GenesysClient } from '../genesys/genesys-client';
import type { Recording } from '../genesys/models';
import type { Clock, HttpClient, Random } from '../ports';
import { backoffDelay, defaultBackoff, isRetryable } from '../genesys/backoff';
import { downloadToFile, MediaLinkExpiredError } from './media-download';

export class RecordingArchivedError extends AppError {
  constructor(recordingId: string) {
    super('ARCHIVED', `Recording ${recordingId} is archived in Genesys and must be restored before it can be fetched.`, {
      details: { recordingId },
    });
  }
}

export type RecordingFetcherDeps = {
  genesys: GenesysClient;
  http: HttpClient;
  cache: MediaCache;
  clock: Clock;
  random: Random;
  logger: Logger;
  /** How long to wait for Genesys to finish transcoding before giving up. */
  transcodeTimeoutMs?: number;
  maxDownloadAttempts?: number;
};

/**
 * Gets a recording's audio into the media cache: asks Genesys for a media link (waiting while it
 * answers 202 "transcoding"), downloads it, and asks again for a fresh link when the old one has
 * expired or the transfer broke off. Already cached recordings are not fetched again.
 */
export class RecordingFetcher {
  constructor(private readonly deps: RecordingFetcherDeps) {}

  async fetch(conversationId: string, recordingId: string, signal?: AbortSignal): Promise<CachedMedia> {
    const cached = await this.deps.cache.get(recordingId);
    if (cached) return cached;
    return this.withFreshLinks(conversationId, recordingId, signal, (url) =>
      this.deps.cache.store(recordingId, 'genesys', (target) => downloadToFile(this.deps.http, url, target, signal ? { signal } : {})),
    );
  }

  /**
   * Downloads into `path` (outside the media cache, e.g. for the archive job), with the recording as
   * Genesys described it when it gave the link. A failed attempt leaves no file.
   */
  async downloadTo(conversationId: string, recordingId: string, path: string, signal?: AbortSignal): Promise<WrittenFile & { recording: Recording }> {
    return this.withFreshLinks(conversationId, recordingId, signal, async (url, recording) => {
      await rm(path, { force: true });
      try {
        return { ...(await downloadToFile(this.deps.http, url, path, signal ? { signal } : {})), recording };
      } catch (error) {
        await rm(path, { force: true });
        throw error;
      }
    });
  }

  private async withFreshLinks<T>(
    conversationId: string,
    recordingId: string,
    signal: AbortSignal | undefined,
    download: (url: string, recording: Recording) => Promise<T>,
  ): Promise<T> {
    const maxAttempts = this.deps.maxDownloadAttempts ?? 5;
    for (let attempt = 0; ; attempt += 1) {
      const link = await this.mediaLink(conversationId, recordingId, signal);
      try {
        return await download(link.url, link.recording);
      } catch (error) {
        if (!(error instanceof MediaLinkExpiredError || isRetryable(error)) || attempt + 1 >= maxAttempts) throw error;
        const delayMs = error instanceof MediaLinkExpiredError ? 0 : backoffDelay(attempt, defaultBackoff, this.deps.random);
        this.deps.logger.warn('media download failed; requesting a new link', {
          recordingId,
          attempt: attempt + 1,
          reason: (error as Error).message,
        });
        await this.deps.clock.sleep(delayMs, signal);
      }
    }
  }

  private async mediaLink(conversationId: string, recordingId: string, signal?: AbortSignal): Promise<{ url: string; recording: Recording }> {
    const deadline = this.deps.clock.now() + (this.deps.transcodeTimeoutMs ?? 120_000);
    for (let poll = 0; ; poll += 1) {
      const { ready, recording } = await this.deps.genesys.recordingWithMedia(conversationId, recordingId, signal);
      if (recording.fileState === 'ARCHIVED' || recording.fileState === 'RESTORING') throw new RecordingArchivedError(recordingId);
      if (recording.fileState === 'DELETED') {
        throw new AppError('NOT_FOUND', `Recording ${recordingId} has been deleted from Genesys.`, { details: { recordingId } });
      }
      const uri = Object.values(recording.mediaUris ?? {}).find((m) => m.mediaUri)?.mediaUri;
      if (ready && uri) return { url: uri, recording };
      if (this.deps.clock.now() >= deadline) {
        throw new AppError('UPSTREAM_UNAVAILABLE', `Genesys is still transcoding recording ${recordingId}; try again shortly.`, {
          retryable: true,
        });
      }
      await this.deps.clock.sleep(Math.min(5_000, 1_000 * 2 ** Math.min(poll, 3)), signal);
    }
  }
}
