import { S3Client } from '@aws-sdk/client-s3';

/**
 * Counts every S3 request of this process by command name, with an SDK middleware ('initialize' step)
 * added to each S3Client on its first send, so clients the engine builds inside its composition are
 * counted too. For benchmarks only.
 */
export function countS3Requests(): { counts: Map<string, number>; reset(): void; total(): number; describe(): string } {
  const counts = new Map<string, number>();
  const instrumented = new WeakSet<S3Client>();
  const send = S3Client.prototype.send as (...args: Array<unknown>) => Promise<unknown>;
  (S3Client.prototype as unknown as { send: (...args: Array<unknown>) => Promise<unknown> }).send = function (this: S3Client, ...args: Array<unknown>) {
    if (!instrumented.has(this)) {
      instrumented.add(this);
      this.middlewareStack.add(
        (next, context) => async (request) => {
          counts.set(context.commandName ?? 'unknown', (counts.get(context.commandName ?? 'unknown') ?? 0) + 1);
          return next(request);
        },
        { step: 'initialize', name: 'benchS3RequestCounter' },
      );
    }
    return send.apply(this, args);
  };
  return {
    counts,
    reset: () => counts.clear(),
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    describe: () => [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([name, n]) => `${name.replace(/Command$/, '')} ${n}`).join(', '),
  };
}
