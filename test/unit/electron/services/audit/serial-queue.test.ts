import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../../../../../electron/services/audit/serial-queue';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('SerialQueue', () => {
  it('runs tasks one at a time in call order', async () => {
    const queue = new SerialQueue();
    const log: Array<string> = [];
    let running = 0;
    const task = (name: string, steps: number) => async () => {
      running += 1;
      expect(running).toBe(1);
      log.push(`start ${name}`);
      for (let i = 0; i < steps; i += 1) await tick();
      log.push(`end ${name}`);
      running -= 1;
      return name;
    };
    const results = await Promise.all([queue.run(task('a', 3)), queue.run(task('b', 1)), queue.run(task('c', 2))]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('keeps going after a failed task and reports the failure to its caller only', async () => {
    const queue = new SerialQueue();
    const failed = queue.run(async () => {
      await tick();
      throw new Error('store down');
    });
    const next = queue.run(async () => 'second');
    await expect(failed).rejects.toThrow('store down');
    await expect(next).resolves.toBe('second');
  });
});
