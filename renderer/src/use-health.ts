import { useEffect, useState } from 'react';
import type { HealthStatus } from '../../shared/health';
import type { CustodyApi } from '../../shared/ipc/client';

/** Whether the WORM store and Genesys are reachable, as main last saw it (null until it says; also in a review, which has no such check). */
export function useHealth(api: CustodyApi): HealthStatus | null {
  const [health, setHealth] = useState<HealthStatus | null>(null);
  useEffect(() => {
    let current = true;
    const unsubscribe = api.on('health:changed', setHealth);
    async function load() {
      try {
        const status = await api.healthGet({});
        // A push that came in meanwhile is newer than this answer.
        if (current) setHealth((previous) => previous ?? status);
      } catch {
        // No reachability check here (a review): the indicator stays as it is.
      }
    }
    void load();
    return () => {
      current = false;
      unsubscribe();
    };
  }, [api]);
  return health;
}
