// @vitest-environment jsdom
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../../shared/domain';
import { FakeIpcError, type FakeHandlers } from '../../helpers/fake-ipc-transport';
import { renderApp } from '../../helpers/render-app';
import { sampleDetail, sampleGrant, sampleMatches, sampleSearchResult, sampleSession } from '../../helpers/renderer-fixtures';

afterEach(cleanup);

const match = sampleMatches[0]!;
const archive = {
  bucket: 'custody-archive',
  key: `archive/v1/trades/T-2025-004817/2025-03-14/${match.conversationId}/${match.recordingId}.wav`,
  versionId: 'v1',
  sha256: sampleGrant(match.recordingId!).sha256!,
  bytes: 4_512_044,
  archivedAt: '2025-03-15T02:00:00.000Z',
  retainUntil: '2030-03-14T09:12:05.000Z',
  legalHold: true,
  storageClass: null,
  tier: 'online' as const,
  restoreExpiresAt: null,
};

function main(overrides: FakeHandlers): FakeHandlers {
  const session: SessionInfo = sampleSession(Date.now(), 'FCA-2025-0193');
  return {
    sessionGet: () => session,
    recordingsSearch: () => sampleSearchResult(),
    recordingsGet: () => ({ ...sampleDetail(match), fileState: 'DELETED', archive }),
    // The waveform never arrives here: the receipt is what this test reads.
    recordingsGetWaveform: () => new Promise(() => undefined),
    ...overrides,
  };
}

async function open() {
  fireEvent.change(await screen.findByTestId('search-client-account'), { target: { value: 'ACC-10442' } });
  fireEvent.click(screen.getByTestId('search-submit'));
  fireEvent.click(within(await screen.findByTestId('results-table')).getAllByTestId('result-row')[0]!);
  return screen.findByTestId('recording-view');
}

describe('recordings Genesys no longer has', () => {
  it('shows the WORM archive copy and says the playback came from it', async () => {
    await renderApp(main({ recordingsAuthorizePlayback: ({ recordingId }) => ({ ...sampleGrant(recordingId), source: 'archive' }) }));
    const view = await open();
    const copy = await within(view).findByTestId('archive-copy');
    expect(copy.textContent).toContain('Retained until 2030-03-14 · legal hold ON · readable now');
    fireEvent.click(screen.getByTestId('play-button'));
    expect((await screen.findByTestId('playback-source')).textContent).toContain('Played from the WORM archive copy');
  });

  it('explains an archive copy that must first come back from cold storage', async () => {
    await renderApp(
      main({
        recordingsGet: () => ({ ...sampleDetail(match), fileState: 'DELETED', archive: { ...archive, storageClass: 'DEEP_ARCHIVE', tier: 'restoring' as const } }),
        recordingsAuthorizePlayback: () => {
          throw new FakeIpcError('ARCHIVED', 'Recording is no longer in Genesys; its WORM archive copy in S3 Glacier Deep Archive is being restored. Try again later.', {
            location: 'archive',
            storageClass: 'DEEP_ARCHIVE',
            restore: 'in-progress',
          });
        },
      }),
    );
    const view = await open();
    expect((await within(view).findByTestId('archive-copy')).textContent).toContain('DEEP_ARCHIVE, being restored from cold storage');
    fireEvent.click(screen.getByTestId('play-button'));
    const error = await screen.findByTestId('playback-error');
    expect(error.textContent).toContain('Archive copy in cold storage — restore requested');
    expect(error.textContent).toContain('is being restored. Try again later.');
  });
});
