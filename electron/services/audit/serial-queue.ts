/** Runs tasks one after another in call order; a failed task does not stop the ones queued after it. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    const result = (async () => {
      await previous;
      return task();
    })();
    this.tail = result.catch(() => undefined);
    return result;
  }
}
