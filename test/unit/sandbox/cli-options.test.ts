import { describe, expect, it } from 'vitest';
import { parseSandboxArgs, parseSandboxCliArgs, SandboxArgsError } from '../../sandbox/cli-options';

describe('parseSandboxArgs', () => {
  it('parses every documented flag, in both --flag value and --flag=value forms', () => {
    expect(
      parseSandboxArgs(['--port', '8123', '--seed=42', '--token-ttl', '300', '--rate-limit=120', '--recordings', '10000', '--fault', 'http5xx=0.05', '--fault=slow=0.5', '--log-requests']),
    ).toEqual({
      port: 8123,
      seed: 42,
      tokenTtlSeconds: 300,
      rateLimitPerMinute: 120,
      recordings: 10000,
      faults: { http5xx: 0.05, slow: 0.5 },
      logRequests: true,
    });
    expect(parseSandboxArgs(['--refresh-token-ttl=60'])).toEqual({ refreshTokenTtlSeconds: 60 });
    expect(parseSandboxArgs(['--long-call', '10'])).toEqual({ longCallHours: 10 });
    expect(parseSandboxArgs(['--long-call=0.05'])).toEqual({ longCallHours: 0.05 });
    expect(parseSandboxArgs([])).toEqual({});
    expect(parseSandboxArgs(['--anchor', '2026-11-26T23:59:00Z', '--playback-url-ttl', '2']).anchor?.toISOString()).toBe('2026-11-26T23:59:00.000Z');
  });

  it('rejects bad input with a clear message and the usage text', () => {
    const cases: Array<[Array<string>, RegExp]> = [
      [['--bogus'], /unknown option "--bogus"/],
      [['--long-call', '0'], /--long-call needs a positive number/],
      [['--long-call', '25'], /--long-call takes at most 24 hours/],
      [['--port'], /--port needs a value/],
      [['--port', '--seed', '1'], /--port needs a value/],
      [['--port', '70000'], /--port must be between 0 and 65535/],
      [['--seed', '1.5'], /--seed needs a whole number/],
      [['--token-ttl', '0'], /--token-ttl must be between 1/],
      [['--fault', 'meteor=1'], /unknown fault "meteor"/],
      [['--fault', 'http5xx'], /--fault needs NAME=RATE/],
      [['--fault', 'http5xx=2'], /between 0 and 1/],
      [['--log-requests=yes'], /takes no value/],
      [['--anchor', 'yesterday'], /ISO date-time/],
    ];
    for (const [argv, message] of cases) {
      let error: unknown;
      try {
        parseSandboxArgs(argv);
      } catch (caught) {
        error = caught;
      }
      expect(error, argv.join(' ')).toBeInstanceOf(SandboxArgsError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toContain('Usage: custody sandbox');
    }
  });
});

describe('parseSandboxCliArgs', () => {
  it('takes --blotter FILE out of the server options, once, with a path', () => {
    expect(parseSandboxCliArgs(['--seed', '3', '--blotter', 'desk.csv'])).toEqual({ options: { seed: 3 }, blotterFile: 'desk.csv' });
    expect(parseSandboxCliArgs(['--blotter=/tmp/b.csv'])).toEqual({ options: {}, blotterFile: '/tmp/b.csv' });
    expect(parseSandboxCliArgs([])).toEqual({ options: {}, blotterFile: null });
    expect(() => parseSandboxCliArgs(['--blotter'])).toThrow(/--blotter needs a file path/);
    expect(() => parseSandboxCliArgs(['--blotter', '--seed', '3'])).toThrow(/--blotter needs a file path/);
    expect(() => parseSandboxCliArgs(['--blotter', 'a', '--blotter', 'b'])).toThrow(/--blotter is given twice/);
  });
});
