import type { AppErrorPayload } from '../../shared/errors';
import { toErrorPayload } from '../services/errors';
import { forwardOfficerChanges, forwardToRenderer } from './ipc/domain-events';
import type { Emit } from './ipc/emit';
import { createIpcHandlers } from './ipc/handlers';
import type { SignInPageOpener } from './ipc/handlers/auth';
import { installIpcServer, type IpcMainLike } from './ipc/server';
import { createAppProtocolHandler, createMediaProtocolHandler } from './protocol';
import { contentSecurityPolicy, isAppOrigin } from './security';
import type { AppHost, HostedEngine } from './hosted-engine';


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
    /** Where Genesys's login page opens for an officer's sign-in (the URL is checked against the profile's login host first). */
    openSignInPage: SignInPageOpener;
  },
): AppHost {
  const toPayload = (error: unknown): AppErrorPayload => {
    const payload = toErrorPayload(error);
    hosted.health.observeFailure(error);
    return { ...payload, message: hosted.redactor.redactText(payload.message) };
  };
  const lifetime = new AbortController();
  const dispose = installIpcServer(options.ipc, createIpcHandlers(hosted, { openSignInPage: options.openSignInPage, lifetime: lifetime.signal }), {
    isTrustedOrigin: (url) => isAppOrigin(url, options.trustedOrigin),
    validateResponses: options.validateResponses,
    toPayload,
    logger: hosted.logger.child('ipc'),
  });
  const unsubscribe = forwardToRenderer(hosted.events, options.emit);
  const unsubscribeOfficer = forwardOfficerChanges(hosted.officer, options.emit);
  void runAuditChecks(hosted, lifetime.signal);
  void hosted.health.watch(lifetime.signal);
  // Jobs paused for their officer's sign-in resume when she signs in here.
  const stopResumingJobs = hosted.jobs.resumeOnSignIn();
  return {
    appHandler: createAppProtocolHandler({ rootDir: options.rendererDir, csp: contentSecurityPolicy, host: 'custody' }),
    mediaHandler: createMediaProtocolHandler({
      grants: hosted.grants,
      allowOrigin: options.trustedOrigin,
      ...(options.maxOpenRangeBytes ? { maxOpenRangeBytes: options.maxOpenRangeBytes } : {}),
    }),
    dispose: () => {
      lifetime.abort();
      stopResumingJobs();
      unsubscribe();
      unsubscribeOfficer();
      dispose();
    },
  };
}

/** At app start: is the bucket's log consistent with the one seen before? Then time-based checkpoints. */
async function runAuditChecks(hosted: HostedEngine, signal: AbortSignal): Promise<void> {
  try {
    const trail = await hosted.audit.log();
    if (signal.aborted) return;
    trail.integrity.checkConsistencyInBackground();
    await trail.checkpointer.runPeriodic(signal);
  } catch (error) {
    // Disposed while the log was still being opened: the host, and maybe its log folder, are gone.
    if (signal.aborted) return;
    hosted.logger.child('audit').info('audit checks not running: the audit log is not available', { cause: error instanceof Error ? error.message : String(error) });
  }
}
