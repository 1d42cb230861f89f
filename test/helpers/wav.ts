/** Builds a 16-bit PCM WAV in memory: `left` and `right` give each channel's sample at frame i. */
export function makeWav(options: {
  sampleRate?: number;
  frames: number;
  left: (i: number) => number;
  right: (i: number) => number;
}): Buffer {
  const sampleRate = options.sampleRate ?? 8000;
  const dataBytes = options.frames * 4;
  const buffer = Buffer.alloc(44 + dataBytes);
  buffer.write('RIFF', 0, 'ascii');
  buffer.writeUInt32LE(36 + dataBytes, 4);
  buffer.write('WAVE', 8, 'ascii');
  buffer.write('fmt ', 12, 'ascii');
  buffer.writeUInt32LE(16, 16);
  buffer.writeUInt16LE(1, 20);
  buffer.writeUInt16LE(2, 22);
  buffer.writeUInt32LE(sampleRate, 24);
  buffer.writeUInt32LE(sampleRate * 4, 28);
  buffer.writeUInt16LE(4, 32);
  buffer.writeUInt16LE(16, 34);
  buffer.write('data', 36, 'ascii');
  buffer.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < options.frames; i += 1) {
    buffer.writeInt16LE(Math.round(Math.max(-1, Math.min(1, options.left(i))) * 32767), 44 + i * 4);
    buffer.writeInt16LE(Math.round(Math.max(-1, Math.min(1, options.right(i))) * 32767), 46 + i * 4);
  }
  return buffer;
}
