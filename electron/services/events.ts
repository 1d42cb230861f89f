import type { EventChannel, EventPayload } from '../../shared/ipc/contract';

export type EngineEvent = { [E in EventChannel]: { channel: E; payload: EventPayload<E> } }[EventChannel];

/**
 * Pushes from services (progress, sync status) to whoever hosts the engine: the renderer through
 * main's emitter, or the CLI's progress display. Services publish; hosts subscribe.
 */
export class EventHub {
  private readonly listeners = new Set<(event: EngineEvent) => void>();

  publish<E extends EventChannel>(channel: E, payload: EventPayload<E>): void {
    const event = { channel, payload } as EngineEvent;
    for (const listener of this.listeners) listener(event);
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
