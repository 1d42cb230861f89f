import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AUDIO_BYTES_PER_FRAME, AUDIO_SAMPLE_RATE, WAV_HEADER_BYTES } from './dataset';
import type { Dialogue, DialogueLine, Speaker } from './dialogue';
import { createRng, deriveSeed, type Rng } from './prng';
import { computedBody, fileBody, type MediaBody } from './media';
import { decodeWav, encodeWav, wavHeader } from './wav';

/**
 * Call audio for the sandbox: 16-bit PCM, 8 kHz, stereo, agent on the left, client on the right.
 * A handful of utterances is synthesised per recording (espeak-ng, or speech-like tone bursts) and then laid out
 * as alternating turns over a near-silent noise floor, repeating filler turns to reach the recording's duration.
 */

export type AudioEngine = 'speech' | 'tones';
export type AudioEnginePreference = 'auto' | AudioEngine;

/** One spoken line as laid out in the audio: what the sandbox's transcripts are made from (true timings). */
export type Turn = { speaker: Speaker; startFrame: number; endFrame: number; text: string };

export type RenderInput = {
  durationMs: number;
  audioSeed: number;
  dialogue: Dialogue;
  engine: AudioEngine;
};

export type RenderedAudio = { wav: Buffer; turns: Array<Turn>; frames: number };

const CHANNEL: Record<Speaker, number> = { agent: 0, client: 1 };
const VOICES: Record<Speaker, Array<string>> = {
  agent: ['-v', 'en-gb', '-s', '165', '-p', '40'],
  client: ['-v', 'en-us+f3', '-s', '175', '-p', '55'],
};
const NOISE_AMPLITUDE = 12;
const NOISE_BLOCK_FRAMES = 10_007; // prime, so the tiled floor has no short period

let speechAvailable: Promise<boolean> | null = null;

/** espeak-ng must be present and know both voices; checked once per process. */
export function detectSpeech(): Promise<boolean> {
  speechAvailable ??= (async () => {
    try {
      for (const speaker of ['agent', 'client'] as const) {
        const wav = await runEspeak(speaker, 'ok');
        if (decodeWav(wav).samples.length === 0) return false;
      }
      return true;
    } catch {
      return false;
    }
  })();
  return speechAvailable;
}

export async function resolveEngine(preference: AudioEnginePreference): Promise<AudioEngine> {
  if (preference !== 'auto') return preference;
  return (await detectSpeech()) ? 'speech' : 'tones';
}

export async function renderRecordingAudio(input: Readonly<RenderInput>): Promise<RenderedAudio> {
  const frames = Math.round(input.durationMs * (AUDIO_SAMPLE_RATE / 1000));
  const lines = [...input.dialogue.opening, ...input.dialogue.filler, ...input.dialogue.closing];
  const voiceOf = await voicer(lines, input.engine, input.audioSeed);
  const rng = createRng(deriveSeed(input.audioSeed, 0x71e));
  const out = new Int16Array(frames * 2);
  fillNoiseFloor(out, createRng(deriveSeed(input.audioSeed, 0x9015e)));

  const pause = (): number => Math.round((rng.chance(0.1) ? rng.uniform(1.5, 3) : rng.uniform(0.25, 0.9)) * AUDIO_SAMPLE_RATE);
  const lengthOf = (line: DialogueLine): number => voiceOf(line).length;
  const closingFrames = input.dialogue.closing.reduce((sum, line) => sum + lengthOf(line) + Math.round(0.6 * AUDIO_SAMPLE_RATE), 0);
  const turns: Array<Turn> = [];
  let cursor = Math.round(rng.uniform(0.3, 0.7) * AUDIO_SAMPLE_RATE);
  const place = (line: DialogueLine): void => {
    if (cursor >= frames) return;
    const samples = voiceOf(line);
    const end = Math.min(frames, cursor + samples.length);
    mixInto(out, CHANNEL[line.speaker], cursor, samples, end - cursor);
    turns.push({ speaker: line.speaker, startFrame: cursor, endFrame: end, text: line.text });
    cursor = end + pause();
  };

  input.dialogue.opening.forEach(place);
  const filler = input.dialogue.filler;
  for (let index = 0; filler.length > 0; index += 1) {
    const line = filler[index % filler.length] as DialogueLine;
    if (cursor + lengthOf(line) + closingFrames >= frames) break;
    place(line);
  }
  input.dialogue.closing.forEach(place);
  return { wav: encodeWav({ sampleRate: AUDIO_SAMPLE_RATE, channels: 2, bitsPerSample: 16, samples: out }), turns, frames };
}

function fillNoiseFloor(out: Int16Array, rng: Rng): void {
  const block = new Int16Array(NOISE_BLOCK_FRAMES * 2);
  for (let i = 0; i < block.length; i += 1) block[i] = Math.round((rng.next() + rng.next() - 1) * NOISE_AMPLITUDE);
  for (let offset = 0; offset < out.length; offset += block.length) out.set(block.subarray(0, Math.min(block.length, out.length - offset)), offset);
}

function mixInto(out: Int16Array, channel: number, startFrame: number, samples: Int16Array, count: number): void {
  for (let i = 0; i < count; i += 1) {
    const index = (startFrame + i) * 2 + channel;
    const value = (out[index] ?? 0) + (samples[i] ?? 0);
    out[index] = value > 32767 ? 32767 : value < -32768 ? -32768 : value;
  }
}

// Generic lines sound the same in every recording; synthesise them once per process.
const genericSpeech = new Map<string, Promise<Int16Array>>();

/**
 * The samples of each line. Speech is synthesised up front, in parallel (espeak-ng runs as a process per line);
 * tones are computed only for the lines a recording actually reaches, which keeps short bulk recordings cheap.
 */
async function voicer(lines: ReadonlyArray<DialogueLine>, engine: AudioEngine, audioSeed: number): Promise<(line: DialogueLine) => Int16Array> {
  if (engine === 'tones') {
    const cache = new Map<DialogueLine, Int16Array>();
    return (line) => {
      let samples = cache.get(line);
      if (!samples) {
        samples = toneUtterance(line, createRng(deriveSeed(audioSeed, lines.indexOf(line), 0x70e)));
        cache.set(line, samples);
      }
      return samples;
    };
  }
  const spoken = await Promise.all(
    lines.map((line) => {
      if (!line.generic) return speechUtterance(line);
      const key = `${line.speaker}|${line.text}`;
      let cached = genericSpeech.get(key);
      if (!cached) {
        cached = speechUtterance(line);
        genericSpeech.set(key, cached);
        // A failed synthesis must not stay cached.
        cached.catch(() => genericSpeech.delete(key));
      }
      return cached;
    }),
  );
  const byLine = new Map(lines.map((line, index) => [line, spoken[index] as Int16Array]));
  return (line) => byLine.get(line) ?? new Int16Array(0);
}

async function speechUtterance(line: DialogueLine): Promise<Int16Array> {
  const decoded = decodeWav(await runEspeak(line.speaker, line.text));
  return resample(decoded.samples, decoded.sampleRate, AUDIO_SAMPLE_RATE);
}

const ESPEAK_CONCURRENCY = 3;
let espeakRunning = 0;
const espeakWaiting: Array<() => void> = [];

async function runEspeak(speaker: Speaker, text: string): Promise<Buffer> {
  if (espeakRunning >= ESPEAK_CONCURRENCY) await new Promise<void>((resolve) => espeakWaiting.push(resolve));
  espeakRunning += 1;
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      execFile('espeak-ng', [...VOICES[speaker], '--stdout', text], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: 20_000 }, (error, stdout) => {
        if (error) reject(new Error(`espeak-ng failed: ${error.message}`, { cause: error }));
        else resolve(stdout);
      });
    });
  } finally {
    espeakRunning -= 1;
    espeakWaiting.shift()?.();
  }
}

/** Band-limited resampling with a Hann-windowed sinc, so 22.05 kHz speech folds no aliases into 8 kHz. */
export function resample(input: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate) return Int16Array.from(input);
  const ratio = fromRate / toRate;
  const cutoff = (0.45 * Math.min(fromRate, toRate)) / fromRate; // cycles per input sample
  const halfWidth = 24;
  const outLength = Math.floor(input.length / ratio);
  const out = new Int16Array(outLength);
  for (let n = 0; n < outLength; n += 1) {
    const t = n * ratio;
    const center = Math.floor(t);
    let sum = 0;
    for (let k = center - halfWidth + 1; k <= center + halfWidth; k += 1) {
      if (k < 0 || k >= input.length) continue;
      const d = t - k;
      const x = 2 * cutoff * d;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const window = 0.5 + 0.5 * Math.cos((Math.PI * d) / halfWidth);
      sum += (input[k] ?? 0) * 2 * cutoff * sinc * window;
    }
    out[n] = Math.max(-32768, Math.min(32767, Math.round(sum)));
  }
  return out;
}

/** Speech-like bursts: voiced "syllables" with a pitch contour and vowel-like harmonic balance, in word groups. */
function toneUtterance(line: DialogueLine, rng: Rng): Int16Array {
  const seconds = Math.min(4.5, Math.max(0.7, line.text.length * 0.055));
  const total = Math.round(seconds * AUDIO_SAMPLE_RATE);
  const out = new Int16Array(total);
  const baseF0 = line.speaker === 'agent' ? 118 : 205;
  let cursor = 0;
  let syllable = 0;
  while (cursor < total) {
    const length = Math.round(rng.uniform(0.12, 0.26) * AUDIO_SAMPLE_RATE);
    const f0 = baseF0 * (1 + 0.12 * Math.sin(syllable * 0.9) - (0.1 * cursor) / total) * rng.uniform(0.95, 1.05);
    const w2 = rng.uniform(0.3, 0.7);
    const w3 = rng.uniform(0.15, 0.45);
    const w4 = rng.uniform(0.05, 0.25);
    const amplitude = rng.uniform(5000, 8000) / (1 + w2 + w3 + w4);
    const end = Math.min(total, cursor + length);
    const step = (2 * Math.PI * f0) / AUDIO_SAMPLE_RATE;
    for (let i = cursor; i < end; i += 1) {
      // Harmonics 2-4 by angle addition from one sin/cos pair: a quarter of the trigonometry.
      const angle = step * (i - cursor);
      const s1 = Math.sin(angle);
      const c1 = Math.cos(angle);
      const s2 = 2 * s1 * c1;
      const c2 = 1 - 2 * s1 * s1;
      const s3 = s2 * c1 + c2 * s1;
      const c3 = c2 * c1 - s2 * s1;
      const s4 = s3 * c1 + c3 * s1;
      const envelope = Math.sqrt(Math.sin((Math.PI * (i - cursor)) / length));
      out[i] = Math.round((s1 + w2 * s2 + w3 * s3 + w4 * s4) * amplitude * envelope);
    }
    syllable += 1;
    const wordGap = rng.chance(0.3) ? rng.uniform(0.08, 0.16) : rng.uniform(0.02, 0.06);
    cursor = end + Math.round(wordGap * AUDIO_SAMPLE_RATE);
  }
  return out;
}

/** `tiled`: the long call (hours of audio), served from a few minutes of call audio repeated, never held whole. */
export type AudioSource = { recordingId: string; tiled?: boolean } & RenderInput;

/** How much call audio the long call repeats: a few minutes of turns over the noise floor (2.9 MB held). */
const LONG_CALL_TILE_MS = 180_000;

/**
 * The long call's bytes, computed by range: its own WAV header, then the tile's samples over and over
 * (a whole number of frames, so channels never swap). Deterministic, so its SHA-256 is stable.
 */
export async function tiledCallAudio(source: Readonly<RenderInput>): Promise<MediaBody> {
  const tile = (await renderRecordingAudio({ ...source, durationMs: Math.min(source.durationMs, LONG_CALL_TILE_MS) })).wav.subarray(WAV_HEADER_BYTES);
  const dataBytes = Math.round((source.durationMs * AUDIO_SAMPLE_RATE) / 1000) * AUDIO_BYTES_PER_FRAME;
  const header = wavHeader(AUDIO_SAMPLE_RATE, 2, dataBytes);
  return computedBody(header.length + dataBytes, (start, end) => {
    const out = Buffer.alloc(end - start + 1);
    for (let at = start; at <= end; ) {
      if (at < header.length) {
        at += header.copy(out, at - start, at, Math.min(header.length, end + 1));
        continue;
      }
      const inTile = (at - header.length) % tile.length;
      at += tile.copy(out, at - start, inTile, Math.min(tile.length, inTile + end + 1 - at));
    }
    return out;
  });
}

/**
 * Disk cache of generated WAVs, keyed by recording id and a fingerprint of everything that shapes the bytes.
 * Generation is lazy and single-flight: concurrent first requests share one render.
 */
export class RecordingAudioStore {
  private readonly inflight = new Map<string, Promise<string>>();
  private generated = 0;

  constructor(private readonly dir: string) {}

  get generatedCount(): number {
    return this.generated;
  }

  private readonly tiled = new Map<string, Promise<MediaBody>>();

  /** What a media request serves: the generated file, or the long call computed by range. */
  async body(source: Readonly<AudioSource>): Promise<MediaBody> {
    if (!source.tiled) return fileBody(await this.file(source));
    let body = this.tiled.get(source.recordingId);
    if (!body) {
      body = tiledCallAudio(source);
      this.tiled.set(source.recordingId, body);
      body.catch(() => this.tiled.delete(source.recordingId));
    }
    return body;
  }

  async file(source: Readonly<AudioSource>): Promise<string> {
    return (await this.rendered(source)).path;
  }

  /** The turns the recording's audio speaks, with their frames: rendered with the audio, kept beside it. */
  async turns(source: Readonly<AudioSource>): Promise<Array<Turn>> {
    const { turnsPath } = await this.rendered(source);
    return JSON.parse(await readFile(turnsPath, 'utf8')) as Array<Turn>;
  }

  private async rendered(source: Readonly<AudioSource>): Promise<{ path: string; turnsPath: string }> {
    const fingerprint = createHash('sha256')
      .update(JSON.stringify({ v: 1, rate: AUDIO_SAMPLE_RATE, ...source }))
      .digest('hex')
      .slice(0, 16);
    // The fingerprint covers the id, so a hostile id (a test's) is only made safe here, never a way out of the folder.
    const path = join(this.dir, `${source.recordingId.replace(/[^A-Za-z0-9-]/g, '_')}-${source.engine}-${fingerprint}.wav`);
    let pending = this.inflight.get(path);
    if (!pending) {
      pending = this.ensure(path, source);
      this.inflight.set(path, pending);
      pending.catch(() => this.inflight.delete(path));
    }
    await pending;
    return { path, turnsPath: turnsPathOf(path) };
  }

  private async ensure(path: string, source: Readonly<AudioSource>): Promise<string> {
    if ((await exists(path)) && (await exists(turnsPathOf(path)))) return path;
    await mkdir(this.dir, { recursive: true });
    const { wav, turns } = await renderRecordingAudio(source);
    const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temporary, JSON.stringify(turns));
    await rename(temporary, turnsPathOf(path));
    await writeFile(temporary, wav);
    await rename(temporary, path);
    this.generated += 1;
    return path;
  }
}

const turnsPathOf = (wavPath: string): string => `${wavPath}.turns.json`;

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
