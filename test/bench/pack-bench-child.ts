// One measured run of the pack benchmark in its own process, so its peak memory (VmHWM) is its own.
// Usage (from pack-throughput.ts): tsx pack-bench-child.ts build|verify <json options>
import { readFile } from 'node:fs/promises';
import type { SecretStore } from '../../electron/services/ports';

type Options = { profile: string; env: Record<string, string>; secrets: Record<string, string>; recordingIds: Array<string>; out: string };

const [mode, raw] = process.argv.slice(2);
const options = JSON.parse(raw ?? '{}') as Options;

async function statusKb(field: 'VmHWM' | 'VmRSS'): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
}
const peakRssKb = () => statusKb('VmHWM');

const started = performance.now();
let detail: unknown;
if (mode === 'build') {
  const secrets = new Map(Object.entries(options.secrets));
  const store: SecretStore = { get: async (a) => secrets.get(a) ?? null, set: async (a, s) => void secrets.set(a, s), delete: async (a) => secrets.delete(a) };
  // Each mode loads only what it uses, as the CLI does (verify needs no engine).
  const { composeEngine } = await import('../../electron/services/composition/compose-engine');
  const composed = await composeEngine({ profile: options.profile, env: { ...process.env, ...options.env }, secrets: store, mediaUrlBase: 'media://recording/' });
  const baselineRssKb = await statusKb('VmRSS');
  const builtAt = performance.now();
  // The builder alone, timed; PackService.build would verify again afterwards.
  detail = await composed.packs.builder.build({ selection: { kind: 'recordings', recordingIds: options.recordingIds }, caseReference: 'BENCH-0001', outPath: options.out });
  const ms = performance.now() - builtAt;
  await composed.close();
  const log = await readFile(`${composed.paths.dataDir}/logs/custody.log`, 'utf8');
  const stages = log.split('\n').filter((l) => l.includes('evidence pack written')).map((l) => JSON.parse(l) as Record<string, unknown>).at(-1);
  process.stdout.write(`${JSON.stringify({ ms, setupMs: builtAt - started, baselineRssKb, peakRssKb: await peakRssKb(), detail, stages })}\n`);
} else {
  const { verifyPack } = await import('../../electron/services/packs/pack-verifier');
  const baselineRssKb = await statusKb('VmRSS');
  const report = await verifyPack(options.out);
  if (!report.ok) throw new Error(`the benchmark pack does not verify: ${JSON.stringify(report.problems.slice(0, 3))}`);
  process.stdout.write(`${JSON.stringify({ ms: performance.now() - started, baselineRssKb, peakRssKb: await peakRssKb(), detail: { files: report.payload.files, bytes: report.payload.bytes } })}\n`);
}
process.exit(0);
