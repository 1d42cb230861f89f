import { useEffect, useRef, useState } from 'react';
import type { SearchQuery, SearchResult } from '../../shared/domain';
import type { CustodyApi } from '../../shared/ipc/client';

type Search = { query: SearchQuery; result: SearchResult };

/** The least time between two reads of the same search while history lands. */
const MIN_READ_GAP_MS = 1_000;

/**
 * Keeps the shown search current while the index syncs behind it: each landed piece of history
 * (`index:syncStatus` progress or finished) reads the same audited search again from the index
 * (`recordings:searchRefresh`, no new audit record). One read at a time; pieces landing during a
 * read are picked up by one more read after a pause as long as the read took (at least a second): a large
 * answer (10,000 rows take seconds to carry and draw) read back to back would leave the page no time for the
 * officer's next search. Returns the progress of the sync of the search's window.
 */
export function useSearchRefresh(api: CustodyApi, search: Search | null, onRefreshed: (search: Search) => void): { coveredFraction: number } | null {
  const [progress, setProgress] = useState<{ auditEventId: string; coveredFraction: number } | null>(null);
  const current = useRef(search);
  const refreshed = useRef(onRefreshed);
  const reading = useRef<{ busy: boolean; again: boolean }>({ busy: false, again: false });
  useEffect(() => {
    current.current = search;
    refreshed.current = onRefreshed;
  });

  useEffect(() => {
    async function readAgain() {
      const state = reading.current;
      if (state.busy) {
        state.again = true;
        return;
      }
      state.busy = true;
      try {
        do {
          state.again = false;
          const shown = current.current;
          if (!shown) break;
          const started = performance.now();
          try {
            const result = await api.recordingsSearchRefresh({ auditEventId: shown.result.auditEventId });
            // A newer search replaced this one meanwhile: its answer is not wanted.
            if (current.current?.result.auditEventId === shown.result.auditEventId) refreshed.current({ query: shown.query, result });
          } catch {
            // The list stays as it was; the next landed piece tries again.
          }
          if (state.again) await new Promise((resolve) => setTimeout(resolve, Math.max(MIN_READ_GAP_MS, performance.now() - started)));
        } while (state.again);
      } finally {
        state.busy = false;
      }
    }
    return api.on('index:syncStatus', (event) => {
      const shown = current.current?.result;
      const window = shown?.index.window;
      if (!shown || !window || (window.coveredFraction >= 1 && event.state !== 'finished')) return;
      if (event.progress?.from === window.from && (event.state === 'started' || event.state === 'progress')) {
        setProgress({ auditEventId: shown.auditEventId, coveredFraction: event.progress.coveredFraction });
      }
      if (event.state === 'finished' || event.state === 'failed') setProgress(null);
      if (event.state === 'progress' || event.state === 'finished') void readAgain();
    });
  }, [api]);

  return progress && progress.auditEventId === search?.result.auditEventId ? { coveredFraction: progress.coveredFraction } : null;
}
