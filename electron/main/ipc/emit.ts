import { eventChannels, type EventChannel, type EventPayload } from '../../../shared/ipc/contract';

/** Something that can receive pushes: a webContents in Electron, a page in the browser shell. */
export type PushTarget = { isDestroyed(): boolean; send(channel: string, payload: unknown): void };

/** The only way to push to the renderer: validates the payload and skips destroyed targets. */
export function createEmitter(targets: () => Iterable<PushTarget>) {
  return function emit<E extends EventChannel>(channel: E, payload: EventPayload<E>): void {
    const checked = eventChannels[channel].parse(payload);
    for (const target of targets()) {
      if (!target.isDestroyed()) target.send(channel, checked);
    }
  };
}

export type Emit = ReturnType<typeof createEmitter>;
