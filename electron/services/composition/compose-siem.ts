import { readFile } from 'node:fs/promises';
import type { Logger } from '../../../shared/logger';
import type { Db } from '../../db/connection';
import { createSiemDeliveryRepository } from '../../db/repositories/siem-delivery-repository';
import type { CredentialVault } from '../auth/credentials';
import type { Profile } from '../config/profile';
import { describeCause, ValidationError } from '../errors';
import type { EventHub } from '../events';
import type { Clock, Random } from '../ports';
import { SiemForwarder, type AcknowledgedEvents, type SiemStatus } from '../siem/siem-forwarder';
import { parseSiemUrl } from '../siem/siem-settings';
import { createSiemSender } from '../siem/siem-transport';
import { lazy } from './lazy';

/** SIEM forwarding of the profile's audit log; every method is a no-op (null) when no SIEM is configured. */
export type SiemDomain = {
  status(): Promise<SiemStatus | null>;
  /** Sends what is queued now, within `budgetMs` (the CLI at close, `custody siem drain`). */
  deliverPending(options?: { budgetMs?: number }): Promise<SiemStatus | null>;
  /** No new pass or retry starts (a host closing). */
  stop(): void;
};

/**
 * The forwarder of this profile's own log (other workstations forward theirs), nudged by each event the
 * audit writer announces once WORM acknowledged it, and once at start for what an earlier run left queued.
 */
export function composeSiem(deps: {
  profile: Pick<Profile, 'siem' | 'logId'>;
  vault: CredentialVault;
  db: Db;
  events: AcknowledgedEvents;
  hub: EventHub;
  clock: Clock;
  random: Random;
  logger: Logger;
}): SiemDomain {
  const { siem, logId } = deps.profile;
  if (!siem) return { status: async () => null, deliverPending: async () => null, stop: () => undefined };
  const logger = deps.logger.child('siem');
  const forwarder = lazy(async () => {
    const destination = parseSiemUrl(siem.url);
    const ca = siem.caFile ? await readCa(siem.caFile) : undefined;
    const authorization = destination.kind === 'https' ? await deps.vault.loadSiemToken() : null;
    return new SiemForwarder({
      logId,
      sender: createSiemSender(destination, { ca, authorization, enterpriseId: siem.enterpriseId }),
      events: deps.events,
      delivery: createSiemDeliveryRepository(deps.db),
      clock: deps.clock,
      random: deps.random,
      logger,
    });
  });
  let stopped = false;
  const nudge = async () => {
    try {
      const started = await forwarder();
      if (!stopped) started.nudge();
    } catch (error) {
      logger.error('SIEM forwarding is configured but cannot start; audit events stay queued', { cause: describeCause(error) });
    }
  };
  const unsubscribe = deps.hub.subscribe((event) => {
    if (event.kind === 'audit.recorded') void nudge();
  });
  void nudge();
  return {
    status: async () => (await forwarder()).status(),
    deliverPending: async (options) => (await forwarder()).deliverPending(options),
    stop: () => {
      stopped = true;
      unsubscribe();
      void (async () => (await forwarder()).stop())().catch(() => undefined);
    },
  };
}

async function readCa(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new ValidationError(`The SIEM's CA file ${file} cannot be read: ${describeCause(error)}`);
  }
}
