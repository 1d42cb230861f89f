import type { Logger } from '../../shared/logger';
import type { AppErrorPayload } from '../../shared/errors';
import type { CustodyEngine } from '../services/custody-engine';
import type { SecretRedactor } from '../services/logging/redactor';
import type { PlaybackGrants } from '../services/playback/playback-grants';
import type { Session } from '../services/session';
import { toErrorPayload } from '../services/errors';
import { createIpcHandlers } from './ipc/handlers';
import { installIpcServer, type IpcMainLike } from './ipc/server';
import { createAppProtocolHandler, createMediaProtocolHandler, type ProtocolHandler } from './protocol';
import { contentSecurityPolicy, isAppOrigin } from './security';

export type HostedEngine = {
  engine: CustodyEngine;
  session: Session;
  grants: PlaybackGrants;
  logger: Logger;
  redactor: SecretRedactor;
};

export type AppHost = { appHandler: ProtocolHandler; mediaHandler: ProtocolHandler; dispose(): void };

/**
 * Everything a window host (Electron or the browser shell) serves to the renderer: the IPC
 * contract over `ipc`, and the app:// and media:// handlers. Neither host adds logic of its own.
 */
export function hostEngine(
  hosted: HostedEngine,
  options: { ipc: IpcMainLike; trustedOrigin: string; rendererDir: string; validateResponses: boolean; maxOpenRangeBytes?: number },
): AppHost {
  const toPayload = (error: unknown): AppErrorPayload => {
    const payload = toErrorPayload(error);
    return { ...payload, message: hosted.redactor.redactText(payload.message) };
  };
  const dispose = installIpcServer(options.ipc, createIpcHandlers(hosted.engine, hosted.session, hosted.logger.child('renderer')), {
    isTrustedOrigin: (url) => isAppOrigin(url, options.trustedOrigin),
    validateResponses: options.validateResponses,
    toPayload,
    logger: hosted.logger.child('ipc'),
  });
  return {
    appHandler: createAppProtocolHandler({ rootDir: options.rendererDir, csp: contentSecurityPolicy, host: 'custody' }),
    mediaHandler: createMediaProtocolHandler({
      grants: hosted.grants,
      ...(options.maxOpenRangeBytes ? { maxOpenRangeBytes: options.maxOpenRangeBytes } : {}),
    }),
    dispose,
  };
}
