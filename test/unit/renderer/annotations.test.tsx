// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Annotation } from '../../../shared/annotations';
import { createCustodyApi } from '../../../shared/ipc/client';
import { CustodyApiProvider } from '../../../renderer/src/api';
import { AnnotationsPanel } from '../../../renderer/src/components/AnnotationsPanel';
import { PlayerContext, type PlayerHandle } from '../../../renderer/src/player/player-context';
import { createFakeIpcTransport, type FakeHandlers } from '../../helpers/fake-ipc-transport';

afterEach(cleanup);

const RECORDING = 'r7f3b2c1-0d4e-4a5b-8c6d-9e0f1a2b3c01';
const officer = { genesysUserId: '0ff1ce00-0000-4000-8000-00000000000a', name: 'Olivia Adler', email: 'officer.a@sandbox.custody.test' };

function sampleAnnotation(overrides: Partial<Annotation> = {}): Annotation {
  return {
    annotationId: '6a1b2c3d-0000-4000-8000-000000000001',
    recordingId: RECORDING,
    conversationId: 'c0a1e5d2-4f0b-4d7e-9a31-2b8f1e6c7d01',
    fromMs: 61_000,
    toMs: 64_500,
    note: 'Client confirms 5m at 1.0842',
    caseReference: 'FCA-2026-0042',
    version: 1,
    deleted: false,
    createdAt: '2026-03-14T09:30:00.000Z',
    createdBy: officer,
    updatedAt: '2026-03-14T09:30:00.000Z',
    updatedBy: officer,
    auditEventId: 'evt-1',
    ...overrides,
  };
}

function fakePlayer(overrides: Partial<PlayerHandle> = {}): PlayerHandle {
  return {
    recordingId: RECORDING,
    durationMs: 120_000,
    positionMs: 10_000,
    playing: false,
    startedAtMs: Date.parse('2026-03-14T09:12:05.000Z'),
    seekTo: vi.fn(),
    selection: { fromMs: 2_000, toMs: 7_250 },
    setSelection: vi.fn(),
    loop: vi.fn(),
    showRegions: vi.fn(),
    ...overrides,
  };
}

function renderPanel(handlers: FakeHandlers, player: PlayerHandle | null, props: Partial<Parameters<typeof AnnotationsPanel>[0]> = {}) {
  const transport = createFakeIpcTransport(handlers);
  render(
    <CustodyApiProvider api={createCustodyApi(transport)}>
      <PlayerContext.Provider value={player}>
        <AnnotationsPanel recordingId={RECORDING} {...props} />
      </PlayerContext.Provider>
    </CustodyApiProvider>,
  );
  return transport;
}

/** No change under way: the panel's buttons are enabled again. */
const idle = () => vi.waitFor(() => expect((screen.getByTestId('annotate-selection') as HTMLButtonElement).disabled).toBe(false));

describe('AnnotationsPanel', () => {
  it('draws annotations on the waveform, seeks and loops them, annotates the A–B selection, edits, deletes and shows history', async () => {
    let annotations = [sampleAnnotation()];
    const player = fakePlayer();
    const transport = renderPanel(
      {
        annotationsList: () => ({ annotations }),
        annotationsCreate: (r) => {
          const made = sampleAnnotation({ annotationId: '6a1b2c3d-0000-4000-8000-000000000002', fromMs: r.fromMs, toMs: r.toMs, note: r.note });
          annotations = [made, ...annotations];
          return made;
        },
        annotationsEdit: (r) => {
          annotations = annotations.map((a) => (a.annotationId === r.annotationId ? { ...a, note: r.note ?? a.note, version: a.version + 1 } : a));
          return annotations.find((a) => a.annotationId === r.annotationId)!;
        },
        annotationsDelete: (r) => {
          const gone = { ...annotations.find((a) => a.annotationId === r.annotationId)!, deleted: true };
          annotations = annotations.filter((a) => a.annotationId !== r.annotationId);
          return gone;
        },
        annotationsHistory: () => ({ versions: [sampleAnnotation(), sampleAnnotation({ version: 2, note: 'Client confirms 5m at 1.0843' })] }),
      },
      player,
    );
    const [item] = await screen.findAllByTestId('annotation');
    expect(item!.textContent).toContain('1:01–1:04');
    await vi.waitFor(() => expect(player.showRegions).toHaveBeenLastCalledWith('annotations', [expect.objectContaining({ id: annotations[0]!.annotationId, range: { fromMs: 61_000, toMs: 64_500 }, kind: 'annotation' })]));
    const region = vi.mocked(player.showRegions).mock.lastCall![1][0]!;
    region.onSelect!();
    expect(player.seekTo).toHaveBeenLastCalledWith(61_000);
    fireEvent.click(within(item!).getByText('Loop'));
    expect(player.loop).toHaveBeenLastCalledWith({ fromMs: 61_000, toMs: 64_500 });

    fireEvent.click(screen.getByTestId('annotate-selection'));
    expect((screen.getByTestId('annotation-from') as HTMLInputElement).value).toBe('0:02');
    expect((screen.getByTestId('annotation-to') as HTMLInputElement).value).toBe('0:07.250');
    fireEvent.change(screen.getByTestId('annotation-note'), { target: { value: 'Agent repeats the price' } });
    fireEvent.click(screen.getByTestId('annotation-save'));
    expect(await screen.findByText('Agent repeats the price')).toBeTruthy();
    await idle();
    expect(transport.callsTo('annotations:create')).toEqual([{ recordingId: RECORDING, fromMs: 2_000, toMs: 7_250, note: 'Agent repeats the price' }]);

    const original = screen.getAllByTestId('annotation').find((li) => li.textContent!.includes('1:01–1:04'))!;
    fireEvent.click(within(original).getByText('Edit'));
    fireEvent.change(within(original).getByRole('textbox'), { target: { value: 'Client confirms 5m at 1.0843' } });
    fireEvent.click(within(original).getByText('Save edit'));
    fireEvent.click(await screen.findByText('History (v2)'));
    await idle();
    expect((await screen.findByRole('list', { name: 'Earlier versions' })).textContent).toMatch(/v1 created by Olivia Adler.*“Client confirms 5m at 1\.0842”.*v2 edited/);

    fireEvent.click(within(screen.getAllByTestId('annotation')[0]!).getByTestId('annotation-delete'));
    await vi.waitFor(() => expect(screen.getAllByTestId('annotation')).toHaveLength(1));
  });

  it('read-only with given annotations (review): shown, never changed, nothing asked of main', async () => {
    const transport = renderPanel({}, null, { readOnly: true, annotations: [sampleAnnotation()] });
    expect((await screen.findByTestId('annotation')).textContent).toContain('Client confirms 5m at 1.0842');
    expect(screen.queryByTestId('annotate-selection')).toBeNull();
    expect(screen.queryByText('Edit')).toBeNull();
    expect(transport.calls).toEqual([]);
  });
});
