import { describe, expect, it } from 'vitest';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import { createIndexRepository } from '../../../../../electron/db/repositories/index-repository';
import { createTranscriptRepository, saidMatchExpression } from '../../../../../electron/db/repositories/transcript-repository';
import { parseGenesysTranscript, phrasesOfRecording } from '../../../../../electron/services/transcripts/genesys-transcript';
import type { TranscriptPhrase } from '../../../../../shared/transcripts';
import { conversationRow } from '../../../../helpers/index-rows';

const T0 = Date.parse('2026-11-25T10:00:00Z');

/** Genesys's transcript of one communication that two recordings captured (a hold splits it at 60 s). */
const document = {
  conversationId: 'c1',
  communicationId: 'session-1',
  startTime: T0,
  transcripts: [
    {
      language: 'en-US',
      phrases: [
        {
          text: 'FX desk, Ann speaking.',
          confidence: 0.93,
          offsetMs: 500,
          startTimeMs: T0 + 500,
          duration: { milliseconds: 1500 },
          participantPurpose: 'internal',
          words: [
            { word: 'FX', confidence: 0.9, offsetMs: 500, startTimeMs: T0 + 500, duration: { milliseconds: 300 } },
            { word: 'desk,', confidence: 0.9, offsetMs: 800, startTimeMs: T0 + 800, duration: { milliseconds: 400 } },
          ],
        },
        { text: 'I buy ten million euro dollar\u202e', offsetMs: 2500, duration: { milliseconds: 2000 }, participantPurpose: 'external' },
        { text: 'Thanks for holding.', offsetMs: 70_000, duration: { milliseconds: 1200 }, participantPurpose: 'internal', extra: 'ignored' },
        { text: 'Robot voice', offsetMs: 3000, duration: { milliseconds: 100 }, participantPurpose: 'ivr' },
      ],
    },
  ],
};

describe('Genesys transcript JSON to the transcript view', () => {
  it('maps phrases to the recording: offsets from its first sample, Agent/Client by participant purpose, words, confidence, unsafe text escaped', () => {
    const phrases = phrasesOfRecording(parseGenesysTranscript(document), { startMs: T0, durationMs: 60_000 });
    expect(phrases.map((p) => [p.speaker, p.startMs, p.durationMs])).toEqual([
      ['agent', 500, 1500],
      ['client', 2500, 2000],
      ['unknown', 3000, 100],
    ]);
    expect(phrases[0]?.words).toEqual([
      { text: 'FX', startMs: 500, durationMs: 300 },
      { text: 'desk,', startMs: 800, durationMs: 400 },
    ]);
    expect(phrases[0]?.confidence).toBe(0.93);
    expect(phrases[1]?.confidence).toBeNull();
    expect(phrases[1]?.text).toBe('I buy ten million euro dollar\\u202e');
  });

  it('places the second recording of the communication by its own start (after the hold)', () => {
    const phrases = phrasesOfRecording(parseGenesysTranscript(document), { startMs: T0 + 65_000, durationMs: 30_000 });
    expect(phrases).toEqual([expect.objectContaining({ text: 'Thanks for holding.', startMs: 5_000, speaker: 'agent' })]);
  });

  it('refuses a malformed document naming the problem', () => {
    expect(() => parseGenesysTranscript({ transcripts: [{ phrases: [{ text: 'x', offsetMs: -5 }] }] })).toThrow(/Malformed response from speech analytics transcript/);
    expect(() => parseGenesysTranscript('<html>')).toThrow(/Malformed/);
    expect(() => parseGenesysTranscript({ transcripts: [{ phrases: [{ text: 42 }] }] })).toThrow(/Malformed/);
  });
});

describe('said search expression', () => {
  it('makes the words one phrase, the last a prefix, with operators and quotes inert', () => {
    expect(saidMatchExpression('euro dol')).toBe('"euro dol"*');
    expect(saidMatchExpression('ten "million" OR NEAR(x)')).toBe('"ten million OR NEAR x"*');
    expect(saidMatchExpression('  -- !! ')).toBeNull();
    expect(saidMatchExpression('')).toBeNull();
  });
});

describe('transcripts in the index', () => {
  const phrase = (startMs: number, text: string, speaker: TranscriptPhrase['speaker'] = 'agent'): TranscriptPhrase => ({ speaker, text, startMs, durationMs: 1000, words: [], confidence: null });

  it('keeps a transcript, finds where words were said, replaces it whole, and lists recordings still lacking one', async () => {
    const db = openDatabaseSync(':memory:');
    const index = createIndexRepository(db);
    const transcripts = createTranscriptRepository(db);
    await index.upsertConversations([conversationRow('c1', 1000), conversationRow('c2', 2000)], 10);
    await index.replaceRecordings('c1', [{ id: 'r1', startMs: 1000, endMs: 61_000, media: 'audio', fileState: 'AVAILABLE', archiveDate: null, deleteDate: null, sessionId: 's1' }], 10);
    await index.replaceRecordings('c2', [{ id: 'r2', startMs: 2000, endMs: 62_000, media: 'audio', fileState: 'AVAILABLE', archiveDate: null, deleteDate: null, sessionId: 's2' }], 10);
    expect(await transcripts.communicationOf('r1')).toBe('s1');
    expect(await transcripts.missing(0, 10)).toEqual([
      { recordingId: 'r2', conversationId: 'c2', communicationId: 's2' },
      { recordingId: 'r1', conversationId: 'c1', communicationId: 's1' },
    ]);

    const common = { recordingId: 'r1', conversationId: 'c1', communicationId: 's1', language: 'en-US', fetchedMs: 20 };
    await transcripts.put({ status: 'available', ...common, phrases: [phrase(500, 'I buy ten million euro dollar', 'client'), phrase(4000, 'Done, you buy euro dollar')] });
    await transcripts.put({ status: 'not-transcribed', recordingId: 'r2', conversationId: 'c2', communicationId: 's2', fetchedMs: 20 });
    const said = async (phrase: string) =>
      (await transcripts.searchSaid(phrase, {}, 10)).map(({ recording, said }) => [recording.recordingId, said.map((s) => [s.offsetMs, s.speaker])]);
    expect(await said('euro dol')).toEqual([['r1', [[500, 'client'], [4000, 'agent']]]]);
    expect(await said('dollar euro')).toEqual([]);
    expect(await transcripts.missing(0, 10)).toEqual([]);
    // A "not transcribed" answer is asked again once it is older than the retry time.
    expect(await transcripts.missing(21, 10)).toEqual([{ recordingId: 'r2', conversationId: 'c2', communicationId: 's2' }]);

    await transcripts.put({ status: 'available', ...common, phrases: [phrase(100, 'Sell five gilts')] });
    expect(await said('euro')).toEqual([]);
    expect(await said('gilts')).toEqual([['r1', [[100, 'agent']]]]);
    // Index sync replacing the recording rows leaves the transcript in place.
    await index.replaceRecordings('c1', [{ id: 'r1', startMs: 1000, endMs: 61_000, media: 'audio', fileState: 'AVAILABLE', archiveDate: null, deleteDate: null, sessionId: 's1' }], 30);
    expect(await transcripts.get('r1')).toMatchObject({ status: 'available', phrases: [{ text: 'Sell five gilts' }] });
  });
});

describe('a recording whose start Genesys does not give (audio recordings)', () => {
  it('takes offsetMs, from the communication\'s first recorded sample', () => {
    const phrases = phrasesOfRecording(parseGenesysTranscript(document), { startMs: null, durationMs: null });
    expect(phrases.map((p) => p.startMs)).toEqual([500, 2500, 3000, 70_000]);
  });
});
