import { describe, expect, it } from 'vitest';
import type { HostedEngine } from '../../../../../electron/main/hosted-engine';
import { tradesHandlers } from '../../../../../electron/main/ipc/handlers/trades';
import { createReviewIpcHandlers, type HostedReview } from '../../../../../electron/main/review-host';
import type { TradesDomain } from '../../../../../electron/services/composition/compose-trades';
import { tradesChannels } from '../../../../../shared/ipc/channels/trades';
import { MemoryLogger } from '../../../../helpers/memory-logger';

/** The three ports, recording what each host call handed them. */
function recordingPorts() {
  const calls: Array<[string, ...Array<unknown>]> = [];
  const record = (name: string) => async (...args: Array<unknown>) => {
    calls.push([name, ...args]);
    return {} as never;
  };
  const trades: TradesDomain = {
    importer: { importBlotter: record('importBlotter') },
    matching: { match: record('match'), list: record('list'), show: record('show'), link: record('link'), unlink: record('unlink'), gaps: record('gaps') },
    reconstruction: { timeline: record('timeline'), reconstruct: record('reconstruct') },
  };
  return { trades, calls };
}

function handlersUnderCase(caseReference: string | null) {
  const { trades, calls } = recordingPorts();
  const hosted = { trades, session: { caseReference } } as unknown as HostedEngine;
  return { handlers: tradesHandlers(hosted), calls };
}

describe('trades IPC handlers', () => {
  it("hands the ports the session's case, the blotter's text as UTF-8 bytes, and ISO bounds as epoch milliseconds", async () => {
    const { handlers, calls } = handlersUnderCase('FCA-2026-0042');
    await handlers['trades:import']({ fileName: 'blotter.csv', content: 'trade_id\nT-Zürich\n' });
    await handlers['trades:list']({ status: 'none', from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00+01:00', limit: 10 });
    await handlers['trades:gaps']({ from: '2026-11-01T00:00:00Z' });
    await handlers['trades:link']({ tradeId: 'T-1', conversationId: 'c-1' });
    await handlers['trades:unlink']({ tradeId: 'T-1', conversationId: 'c-2' });
    await handlers['trades:reconstruct']({ tradeId: 'T-1', zip: true });
    await handlers['trades:timeline']({ tradeId: 'T-1', window: { beforeMinutes: 10, afterMinutes: 2 } });

    const [imported, listed, gaps, linked, unlinked, reconstructed, timeline] = calls;
    expect(imported![0]).toBe('importBlotter');
    const input = imported![1] as { fileName: string; content: Uint8Array };
    expect(new TextDecoder().decode(input.content)).toBe('trade_id\nT-Zürich\n');
    expect(imported![2]).toBe('FCA-2026-0042');
    expect(listed).toEqual(['list', { status: 'none', fromMs: Date.parse('2026-11-01T00:00:00Z'), toMs: Date.parse('2026-11-01T23:00:00Z'), limit: 10 }]);
    expect(gaps).toEqual(['gaps', { fromMs: Date.parse('2026-11-01T00:00:00Z'), toMs: undefined }]);
    expect(linked).toEqual(['link', 'T-1', 'c-1', 'FCA-2026-0042']);
    expect(unlinked).toEqual(['unlink', 'T-1', 'c-2', 'FCA-2026-0042']);
    expect(reconstructed).toEqual(['reconstruct', { tradeId: 'T-1', window: undefined, zip: true, caseReference: 'FCA-2026-0042' }]);
    expect(timeline).toEqual(['timeline', 'T-1', { beforeMinutes: 10, afterMinutes: 2 }]);
  });

  it('gives no case when the session has none (the services refuse what needs one)', async () => {
    const { handlers, calls } = handlersUnderCase(null);
    await handlers['trades:link']({ tradeId: 'T-1', conversationId: 'c-1' });
    await handlers['trades:reconstruct']({ tradeId: 'T-1', zip: false });
    expect(calls).toEqual([
      ['link', 'T-1', 'c-1', undefined],
      ['reconstruct', { tradeId: 'T-1', window: undefined, zip: false, caseReference: undefined }],
    ]);
  });

  it('review mode refuses every trades channel, touching nothing', async () => {
    const handlers = createReviewIpcHandlers({ review: {}, grants: {}, logger: new MemoryLogger(), redactor: {} } as unknown as HostedReview);
    for (const channel of Object.keys(tradesChannels) as Array<keyof typeof tradesChannels>) {
      const handler = handlers[channel] as (request: unknown) => Promise<unknown>;
      await expect(handler({}), channel).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/not available in a regulator review session/) });
    }
  });
});
