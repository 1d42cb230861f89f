import type { Logger } from '../../shared/logger';
import type { AppErrorPayload } from '../../shared/errors';
import type { CustodyEngine } from '../services/custody-engine';
import type { EventHub } from '../services/events';
import type { HoldService } from '../services/holds/hold-service';
import type { SecretRedactor } from '../services/logging/redactor';
import type { PlaybackGrants } from '../services/playback/playback-grants';
import type { PostureService } from '../services/posture/posture-service';
import type { Session } from '../services/session';
import { toErrorPayload } from '../services/errors';
import type { Emit } from './ipc/emit';
import { createIpcHandlers } from './ipc/handlers';
import { installIpcServer, type IpcMainLike } from './ipc/server';
import { createAppProtocolHandler, createMediaProtocolHandler, type ProtocolHandler } from './protocol';
import { contentSecurityPolicy, isAppOrigin } from './security';

export type HostedEngine = {
  engine: CustodyEngine;
  events: EventHub;
  session: Session;
  grants: PlaybackGrants;
  logger: Logger;
  redactor: SecretRedactor;
  holds: HoldService;
  posture: PostureService;
};

export type AppHost = { appHandler: ProtocolHandler; mediaHandler: ProtocolHandler; dispose(): void };

/**
 * Everything a window host (Electron or the browser shell) serves to the renderer: the IPC
 * contract over `ipc`, and the app:// and media:// handlers. Neither host adds logic of its own.
 */
export function hostEngine(
  hosted: HostedEngine,
  options: {
    ipc: IpcMainLike;
    emit: Emit;
    trustedOrigin: string;
    rendererDir: string;
    validateResponses: boolean;
    maxOpenRangeBytes?: number;
  },
): AppHost {
  const toPayload = (error: unknown): AppErrorPayload => {
    const payload = toErrorPayload(error);
    return { ...payload, message: hosted.redactor.redactText(payload.message) };
  };
  const dispose = installIpcServer(options.ipc, createIpcHandlers(hosted), {
    isTrustedOrigin: (url) => isAppOrigin(url, options.trustedOrigin),
    validateResponses: options.validateResponses,
    toPayload,
    logger: hosted.logger.child('ipc'),
  });
  const unsubscribe = hosted.events.subscribe(({ channel, payload }) => options.emit(channel, payload as never));
  return {
    appHandler: createAppProtocolHandler({ rootDir: options.rendererDir, csp: contentSecurityPolicy, host: 'custody' }),
    mediaHandler: createMediaProtocolHandler({
      grants: hosted.grants,
      ...(options.maxOpenRangeBytes ? { maxOpenRangeBytes: options.maxOpenRangeBytes } : {}),
    }),
    dispose: () => {
      unsubscribe();
      dispose();
    },
  };
}
