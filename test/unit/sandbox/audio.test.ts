import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectSpeech, RecordingAudioStore, renderRecordingAudio, resample, tiledCallAudio, type AudioEngine, type RenderedAudio } from '../../sandbox/audio';
import { generateDataset, type SeedConversation } from '../../sandbox/dataset';
import { dialogueFor, spellDigits, type Dialogue } from '../../sandbox/dialogue';
import { decodeWav } from '../../sandbox/wav';

const dataset = generateDataset({ seed: 1, anchor: new Date('2026-11-26T23:59:00Z'), days: 30 });

function dialogueOf(conversation: SeedConversation): Dialogue {
  const agent = dataset.agents.find((a) => a.id === conversation.agentId);
  const queue = dataset.queues.find((q) => q.id === conversation.queueId);
  if (!agent || !queue || !conversation.recordings[0]) throw new Error('dataset is inconsistent');
  return dialogueFor(conversation, conversation.recordings[0], agent, queue);
}

const tradingCall = dataset.conversations.find((c) => c.trading && c.tradingId && c.clientAccount && !c.followUpOf && (c.recordings[0]?.durationMs ?? 0) < 90_000) as SeedConversation;

async function render(durationMs: number, engine: AudioEngine, audioSeed = 99): Promise<RenderedAudio> {
  return renderRecordingAudio({ durationMs, audioSeed, dialogue: dialogueOf(tradingCall), engine });
}

function rms(samples: Int16Array, channel: number, startFrame: number, endFrame: number): number {
  let sum = 0;
  for (let frame = startFrame; frame < endFrame; frame += 1) sum += (samples[frame * 2 + channel] ?? 0) ** 2;
  return Math.sqrt(sum / Math.max(1, endFrame - startFrame));
}

/** Agent turns are loud on the left and near-silent on the right; client turns the other way round. */
function expectChannelSeparation(rendered: RenderedAudio): void {
  const { samples } = decodeWav(rendered.wav);
  expect(rendered.turns.some((t) => t.speaker === 'agent')).toBe(true);
  expect(rendered.turns.some((t) => t.speaker === 'client')).toBe(true);
  for (const turn of rendered.turns.filter((t) => t.endFrame - t.startFrame > 2000)) {
    const speaking = rms(samples, turn.speaker === 'agent' ? 0 : 1, turn.startFrame, turn.endFrame);
    const listening = rms(samples, turn.speaker === 'agent' ? 1 : 0, turn.startFrame, turn.endFrame);
    expect(speaking).toBeGreaterThan(300);
    expect(listening).toBeLessThan(20);
    expect(speaking / listening).toBeGreaterThan(30);
  }
}

describe('renderRecordingAudio (tones)', () => {
  it('writes 16-bit PCM stereo WAV at 8 kHz of exactly the recording length', async () => {
    const rendered = await render(30_000, 'tones');
    const wav = decodeWav(rendered.wav);
    expect(wav).toMatchObject({ sampleRate: 8000, channels: 2, bitsPerSample: 16 });
    expect(wav.samples.length).toBe(30_000 * 8 * 2);
    expect(rendered.wav.length).toBe(44 + 30_000 * 32);
    expect(rendered.wav.toString('ascii', 0, 4)).toBe('RIFF');
  });

  it('puts the agent on the left and the client on the right, in alternating turns', async () => {
    const rendered = await render(40_000, 'tones');
    expect(rendered.turns[0]?.speaker).toBe('agent');
    expectChannelSeparation(rendered);
    for (let i = 1; i < rendered.turns.length; i += 1) {
      expect(rendered.turns[i]?.startFrame).toBeGreaterThan(rendered.turns[i - 1]?.endFrame ?? 0);
    }
  });

  it('is byte-stable for the same seed and differs for another', async () => {
    const hash = (audio: RenderedAudio): string => createHash('sha256').update(audio.wav).digest('hex');
    expect(hash(await render(20_000, 'tones', 5))).toBe(hash(await render(20_000, 'tones', 5)));
    expect(hash(await render(20_000, 'tones', 6))).not.toBe(hash(await render(20_000, 'tones', 5)));
  });

  it('renders a 45-minute call in seconds by repeating filler turns', async () => {
    const started = Date.now();
    const rendered = await render(45 * 60_000, 'tones');
    expect(Date.now() - started).toBeLessThan(8000);
    expect(rendered.frames).toBe(45 * 60 * 8000);
    expect(rendered.turns.length).toBeGreaterThan(300);
    expect(rendered.turns[rendered.turns.length - 1]?.endFrame).toBeGreaterThan(rendered.frames - 10 * 8000);
  });
});

describe('the long call (--long-call)', () => {
  it('adds one call of that length and computes its WAV by range, stable and never held whole', async () => {
    const long = generateDataset({ seed: 1, anchor: new Date('2026-11-26T23:59:00Z'), days: 30, longCallHours: 0.1 });
    expect(long.conversations.filter((c) => !dataset.conversations.some((d) => d.id === c.id))).toHaveLength(1);
    const recording = long.recordings.find((r) => r.id === long.longCallRecordingId)!;
    expect(recording).toMatchObject({ durationMs: 360_000, sizeBytes: 44 + 360_000 * 32, fileState: 'AVAILABLE', transcodeOnFirstRequest: false });
    const conversation = long.conversations.find((c) => c.id === recording.conversationId)!;
    const input = { durationMs: recording.durationMs, audioSeed: recording.audioSeed, dialogue: dialogueOf({ ...conversation, recordings: [recording] }), engine: 'tones' as const };
    const body = await tiledCallAudio(input);
    expect(body.size).toBe(recording.sizeBytes);
    const read = async (start: number, end: number) => {
      const parts: Array<Buffer> = [];
      for await (const part of body.read(start, end)) parts.push(part as Buffer);
      return Buffer.concat(parts);
    };
    const whole = await read(0, body.size - 1);
    expect(decodeWav(whole)).toMatchObject({ sampleRate: 8000, channels: 2 });
    // Any range is the same bytes as the whole; a second synthesis gives the same SHA-256.
    expect((await read(5_760_001, 5_760_001 + 300_000)).equals(whole.subarray(5_760_001, 5_760_002 + 300_000))).toBe(true);
    const again = await tiledCallAudio(input);
    const hash = createHash('sha256');
    for await (const part of again.read(0, again.size - 1)) hash.update(part as Buffer);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(whole).digest('hex'));
  });
});

describe.runIf(await detectSpeech())('renderRecordingAudio (espeak-ng)', () => {
  it('speaks the dealer dialogue with the agent left and the client right', async () => {
    const rendered = await render(30_000, 'speech');
    expect(decodeWav(rendered.wav).samples.length).toBe(30_000 * 16);
    expectChannelSeparation(rendered);
  });
});

describe('dialogueFor', () => {
  it('mentions the trade id, amount and account on a trading call', () => {
    const text = dialogueOf(tradingCall)
      .opening.map((l) => l.text)
      .join(' ');
    expect(text).toContain(spellDigits(tradingCall.tradingId ?? ''));
    expect(text).toContain(tradingCall.deal?.amountSpoken ?? '');
    expect(text).toContain(spellDigits((tradingCall.clientAccount ?? '').replace('ACC-', '')));
    expect(spellDigits('T-20261103-0042')).toBe('T, two zero two six one one zero three, zero zero four two');
  });
});

describe('RecordingAudioStore', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sandbox-audio-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('generates a recording once even when asked concurrently, and reuses the cached file', async () => {
    const store = new RecordingAudioStore(dir);
    const source = { recordingId: 'rec-1', durationMs: 5000, audioSeed: 1, dialogue: dialogueOf(tradingCall), engine: 'tones' as const };
    const paths = await Promise.all(Array.from({ length: 6 }, () => store.file(source)));
    expect(new Set(paths).size).toBe(1);
    expect(store.generatedCount).toBe(1);
    const again = new RecordingAudioStore(dir);
    expect(await again.file(source)).toBe(paths[0]);
    expect(again.generatedCount).toBe(0);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('resample', () => {
  const tone = (frequency: number, rate: number, seconds: number): Int16Array =>
    Int16Array.from({ length: rate * seconds }, (_, i) => Math.round(10_000 * Math.sin((2 * Math.PI * frequency * i) / rate)));
  const level = (samples: Int16Array): number => Math.sqrt(samples.slice(200, -200).reduce((sum, s) => sum + s * s, 0) / (samples.length - 400));

  it('keeps speech-band tones and removes what would alias above 4 kHz', () => {
    const kept = resample(tone(1000, 22_050, 1), 22_050, 8000);
    expect(kept.length).toBe(8000);
    expect(level(kept)).toBeGreaterThan(6000);
    const removed = resample(tone(6000, 22_050, 1), 22_050, 8000);
    expect(level(removed)).toBeLessThan(300);
  });
});
