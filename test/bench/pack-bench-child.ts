// One measured run of the pack benchmark in its own process, so its peak memory (VmHWM) is its own.
// Usage (from pack-throughput.ts, pack-size.ts): tsx pack-bench-child.ts build|verify <json options | @file holding them>
import { readFile } from 'node:fs/promises';
import type { SecretStore } from '../../electron/services/ports';

type Options = { profile: string; env: Record<string, string>; secrets: Record<string, string>; recordingIds: Array<string>; out: string; zip?: boolean };

const [mode, raw] = process.argv.slice(2);
// Thousands of recording ids outgrow one command-line argument (128 KiB on Linux): they come in a file.
const options = JSON.parse(raw?.startsWith('@') ? await readFile(raw.slice(1), 'utf8') : (raw ?? '{}')) as Options;

// The V8 heap's high-water mark, sampled (RSS has its own in VmHWM).
let peakHeapBytes = 0;
const sampleHeap = () => {
  peakHeapBytes = Math.max(peakHeapBytes, process.memoryUsage().heapUsed);
};
setInterval(sampleHeap, 5).unref();

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
  // A pack is an officer's export: officer A signs in through the sandbox's login page first.
  const { OFFICER_A_LOGIN, signInOfficer } = await import('../helpers/officer-signin');
  await signInOfficer({ profile: options.profile, env: { ...process.env, ...options.env }, secrets: store, user: OFFICER_A_LOGIN });
  const composed = await composeEngine({ profile: options.profile, env: { ...process.env, ...options.env }, secrets: store, mediaUrlBase: 'media://recording/' });
  const baselineRssKb = await statusKb('VmRSS');
  const builtAt = performance.now();
  // The builder alone, timed; PackService.build would verify again afterwards.
  detail = await composed.packs.builder.build({ selection: { kind: 'recordings', recordingIds: options.recordingIds }, caseReference: 'BENCH-0001', outPath: options.out, zip: options.zip ?? false });
  sampleHeap();
  const ms = performance.now() - builtAt;
  await composed.close();
  const log = await readFile(`${composed.paths.dataDir}/logs/custody.log`, 'utf8');
  const stages = log.split('\n').filter((l) => l.includes('evidence pack written')).map((l) => JSON.parse(l) as Record<string, unknown>).at(-1);
  process.stdout.write(`${JSON.stringify({ ms, setupMs: builtAt - started, baselineRssKb, peakRssKb: await peakRssKb(), peakHeapBytes, detail, stages })}\n`);
} else {
  const { verifyPack } = await import('../../electron/services/packs/pack-verifier');
  const baselineRssKb = await statusKb('VmRSS');
  const report = await verifyPack(options.out);
  if (!report.ok) throw new Error(`the benchmark pack does not verify: ${JSON.stringify(report.problems.slice(0, 3))}`);
  sampleHeap();
  process.stdout.write(`${JSON.stringify({ ms: performance.now() - started, baselineRssKb, peakRssKb: await peakRssKb(), peakHeapBytes, detail: { files: report.payload.files, bytes: report.payload.bytes } })}\n`);
}
process.exit(0);
