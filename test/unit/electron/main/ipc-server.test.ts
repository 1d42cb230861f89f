import { describe, expect, it } from 'vitest';
import { installIpcServer, type IpcHandlers, type IpcInvokeEventLike, type IpcMainLike } from '../../../../electron/main/ipc/server';
import { AppError, toErrorPayload } from '../../../../electron/services/errors';
import type { Envelope } from '../../../../shared/ipc/contract';
import { recordingLogger } from '../../../helpers/fakes';

function registry() {
  const handlers = new Map<string, (event: IpcInvokeEventLike, request: unknown) => Promise<Envelope>>();
  const ipc: IpcMainLike = { handle: (c, l) => handlers.set(c, l), removeHandler: (c) => handlers.delete(c) };
  return { ipc, handlers };
}

const trusted: IpcInvokeEventLike = { senderFrame: { url: 'app://custody/index.html', isTopFrame: true } };

function fakeHandlers(overrides: Partial<IpcHandlers> = {}): IpcHandlers {
  const notUsed = async () => {
    throw new Error('not used');
  };
  return {
    'session:get': notUsed,
    'session:setCaseReference': notUsed,
    'recordings:search': notUsed,
    'recordings:get': notUsed,
    'recordings:authorizePlayback': notUsed,
    'recordings:getWaveform': notUsed,
    'log:write': async () => ({}),
    ...overrides,
  } as IpcHandlers;
}

describe('IPC server', () => {
  const options = (logger = recordingLogger()) => ({
    isTrustedOrigin: (url: string) => url.startsWith('app://custody/'),
    validateResponses: true,
    toPayload: toErrorPayload,
    logger,
  });

  it('registers every contract channel and removes them on dispose', () => {
    const { ipc, handlers } = registry();
    const dispose = installIpcServer(ipc, fakeHandlers(), options());
    expect([...handlers.keys()].sort()).toContain('recordings:search');
    dispose();
    expect(handlers.size).toBe(0);
  });

  it('rejects payloads that fail the schema with a clear VALIDATION error, before any handler runs', async () => {
    const { ipc, handlers } = registry();
    let ran = false;
    installIpcServer(ipc, fakeHandlers({ 'recordings:getWaveform': async () => { ran = true; throw new Error('x'); } }), options());
    const result = await handlers.get('recordings:getWaveform')!(trusted, { recordingId: '../etc/passwd', buckets: 'many' });
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ error: { code: 'VALIDATION' } });
    expect((result as { error: { message: string } }).error.message).toMatch(/recordingId|buckets/);
    expect(ran).toBe(false);
    const extra = await handlers.get('session:get')!(trusted, { admin: true });
    expect(extra).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('refuses calls from untrusted origins and from subframes', async () => {
    const { ipc, handlers } = registry();
    installIpcServer(ipc, fakeHandlers(), options());
    const evil = await handlers.get('log:write')!({ senderFrame: { url: 'https://evil.example/', isTopFrame: true } }, { level: 'info', message: 'x' });
    expect(evil).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const sub = await handlers.get('log:write')!({ senderFrame: { url: 'app://custody/x', isTopFrame: false } }, { level: 'info', message: 'x' });
    expect(sub.ok).toBe(false);
    const good = await handlers.get('log:write')!(trusted, { level: 'info', message: 'x' });
    expect(good).toEqual({ ok: true, value: {} });
  });

  it('carries expected errors with their code and hides unexpected ones', async () => {
    const { ipc, handlers } = registry();
    const logger = recordingLogger();
    installIpcServer(
      ipc,
      fakeHandlers({
        'recordings:get': async () => {
          throw new AppError('NOT_FOUND', 'Recording r9 is not in the local index');
        },
        'recordings:authorizePlayback': async () => {
          throw new TypeError('cannot read x of undefined at /home/secret/path');
        },
      }),
      options(logger),
    );
    expect(await handlers.get('recordings:get')!(trusted, { recordingId: 'r9' })).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'Recording r9 is not in the local index', retryable: false },
    });
    const hidden = await handlers.get('recordings:authorizePlayback')!(trusted, { recordingId: 'r9' });
    expect(hidden).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(hidden)).not.toContain('/home/secret/path');
    expect(logger.records.some((r) => r.level === 'error')).toBe(true);
  });
});
