import Database, { type Statement } from 'better-sqlite3-multiple-ciphers';
import type { TranscriptPhrase, TranscriptSpeaker } from '../../../shared/transcripts';
import type { Db } from '../connection';
import { nextPhraseKeySql } from '../migrations/0170-time-ordered-search';
import { prefixPhrases, wordRuns } from './prefix-words';
import { matchColumns, searchFilter, toMatch, type IndexMatch, type IndexQuery, type SearchFilter } from './index-repository';

/** A transcript as the index keeps it: Genesys's, mapped to offsets from the recording's first sample. */
export type StoredTranscript =
  | {
      status: 'available';
      recordingId: string;
      conversationId: string;
      communicationId: string;
      language: string | null;
      phrases: Array<TranscriptPhrase>;
      fetchedMs: number;
    }
  | { status: 'not-transcribed'; recordingId: string; conversationId: string; communicationId: string; fetchedMs: number };

/** Where words were said: one phrase of one recording. */
export type SaidHit = { recordingId: string; offsetMs: number; speaker: TranscriptSpeaker; text: string };

/** A recording where words were said: the recording as a search lists it, and each place, in the order said. */
export type SaidRecording = { recording: IndexMatch; said: Array<Omit<SaidHit, 'recordingId'>> };

/** A recording whose transcript the index does not hold yet (or held as not transcribed before `retryBeforeMs`). */
export type TranscriptCandidate = { recordingId: string; conversationId: string; communicationId: string };

type SaidRow = Parameters<typeof toMatch>[0] & { said_recording_id: string; said_offset_ms: number; said_speaker: TranscriptSpeaker; said_text: string };

type TranscriptRow = {
  recording_id: string;
  conversation_id: string;
  communication_id: string;
  status: 'available' | 'not-transcribed';
  language: string | null;
  phrases_json: string;
  fetched_ms: number;
};

/** Fewer matching phrases than this are read whole and sorted rather than walked newest first. */
const SPARSE_SAID_MATCHES = 500;

/** A word triple in fewer phrases than this is rare: it leads the search for a phrase of common words (see rareTriplesLead). */
const RARE_TRIPLE_PHRASES = 20_000;

/** A triple's oldest phrases read to estimate in how many phrases it is (see rareTriplesLead). */
const TRIPLE_SAMPLE = 100;

/** The phrases found by a phrase's rare triples are checked whole against the phrase when there are at most this many. */
const RARE_LEAD_CANDIDATES = 500;

/**
 * Transcripts in the encrypted index, their phrases under FTS5 (`transcript_phrases_fts`), and each
 * recording's communication id (recordings.session_id), which speech analytics keys a transcript by.
 */
export function createTranscriptRepository(db: Db) {
  const selectCommunication = db.prepare('SELECT session_id FROM recordings WHERE id = ?');
  const selectTranscript = db.prepare('SELECT * FROM transcripts WHERE recording_id = ?');
  const upsertTranscript = db.prepare(`
    INSERT INTO transcripts (recording_id, conversation_id, communication_id, status, language, phrases_json, fetched_ms)
    VALUES (@recordingId, @conversationId, @communicationId, @status, @language, @phrasesJson, @fetchedMs)
    ON CONFLICT(recording_id) DO UPDATE SET conversation_id = excluded.conversation_id, communication_id = excluded.communication_id,
      status = excluded.status, language = excluded.language, phrases_json = excluded.phrases_json, fetched_ms = excluded.fetched_ms`);
  const deletePhrases = db.prepare('DELETE FROM transcript_phrases WHERE recording_id = ?');
  // A phrase's key is its recording's start (migration 170): FTS5 then walks matches newest call first.
  const selectRecordingStart = db.prepare(`
    SELECT coalesce(r.start_ms, c.start_ms, 0) AS start_ms FROM (SELECT 1) LEFT JOIN recordings r ON r.id = @recordingId
      LEFT JOIN conversations c ON c.id = @conversationId`);
  const insertPhrase = db.prepare(`INSERT INTO transcript_phrases (id, recording_id, start_ms, speaker, text)
    VALUES (${nextPhraseKeySql}, @recordingId, @offsetMs, @speaker, @text)`);
  const saidPhrases = prefixPhrases(db, 'said_terms');
  // Two words are looked up as one pair, more as their triples (migration 180: far rarer than the words, the same matches).
  const saidPairs = prefixPhrases(db, 'said_terms', wordRuns(2));
  const saidTriples = prefixPhrases(db, 'said_terms', wordRuns(3));
  const saidLookup = (words: ReadonlyArray<string>): { index: string; match: string } =>
    words.length === 1
      ? { index: 'transcript_phrases_fts', match: saidPhrases(words) }
      : { index: 'transcript_ngrams_fts', match: words.length === 2 ? `pairs : ${saidPairs(words)}` : `triples : ${saidTriples(words)}` };
  const countMatches = db.prepare('SELECT count(*) AS n FROM (SELECT rowid FROM transcript_ngrams_fts WHERE transcript_ngrams_fts MATCH ? LIMIT ?)');
  const sampleTriple = db.prepare(`SELECT count(*) AS n, max(rowid) AS reached FROM
    (SELECT rowid FROM transcript_ngrams_fts WHERE transcript_ngrams_fts MATCH ? ORDER BY rowid LIMIT ${TRIPLE_SAMPLE})`);
  // Two subqueries: each is one seek, where min and max in one SELECT scan the table.
  const selectKeyRange = db.prepare('SELECT (SELECT min(id) FROM transcript_phrases) AS oldest, (SELECT max(id) FROM transcript_phrases) AS newest');
  /**
   * A phrase of common words said rarely (a spelled trade reference: every word, and the triples of its first
   * words, in nearly every call): FTS5 walks a phrase's terms in step, so each common triple's whole doclist is
   * read to meet a rare one (36 ms at 1M calls). Its rare triples alone (consecutive ones as a phrase, the
   * runs ANDed) find every phrase where it was said and a few more, in a fraction of that; those few are then
   * checked whole (checkPhrases). Null when no triple is rare, or none common. The last triple is left out, its last word typed
   * maybe in part. Counting a common triple's phrases would read its whole doclist (fts5vocab does too), so its
   * count is estimated from how far into the keys (time order) its oldest TRIPLE_SAMPLE phrases reach: a wrong
   * guess costs time, never an answer.
   */
  const rareTriplesLead = (words: ReadonlyArray<string>): string | null => {
    const { oldest, newest } = selectKeyRange.get() as { oldest: number | null; newest: number | null };
    if (oldest === null || newest === null) return null;
    const triples = wordRuns(3)(words).slice(0, -1);
    const rare = triples.map((triple) => {
      const { n, reached } = sampleTriple.get(`"${triple}"`) as { n: number; reached: number | null };
      return n < TRIPLE_SAMPLE || (TRIPLE_SAMPLE * (newest - oldest + 1)) / (reached! - oldest + 1) < RARE_TRIPLE_PHRASES;
    });
    const runs: Array<Array<string>> = [];
    triples.forEach((triple, i) => {
      if (!rare[i]) return;
      if (i > 0 && rare[i - 1]) runs.at(-1)!.push(triple);
      else runs.push([triple]);
    });
    // None rare, or none common: the phrase's own walk meets no common doclist it could skip.
    if (runs.length === 0 || rare.every(Boolean)) return null;
    return `triples : (${runs.map((run) => `"${run.join(' ')}"`).join(' AND ')})`;
  };
  const checkPhrases = phraseChecker(db);
  // Phrase keys pass 2^53 (time << bits): read as BigInt so that they come back to SQL exact.
  const leadPhrases = db.prepare('SELECT f.rowid AS id, p.text AS text FROM transcript_ngrams_fts f CROSS JOIN transcript_phrases p ON p.id = f.rowid WHERE transcript_ngrams_fts MATCH ?').safeIntegers(true);
  const buildFilter = searchFilter(db);
  const selectCandidates = db.prepare(`
    SELECT r.id AS recording_id, r.conversation_id, r.session_id FROM recordings r
    LEFT JOIN transcripts t ON t.recording_id = r.id
    WHERE r.session_id IS NOT NULL AND (t.recording_id IS NULL OR (t.status = 'not-transcribed' AND t.fetched_ms < ?))
    ORDER BY r.start_ms DESC LIMIT ?`);

  const statements = new Map<string, Statement>();
  /** The said SQL varies with the criteria given; each shape is prepared once. */
  const prepared = (sql: string): Statement => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };

  /** Said rows: phrases `p` from `source` where `where` holds, with their recording and call, meeting `filter`. */
  const saidRowsSql = (source: string, where: string, filter: SearchFilter, order: string): Statement =>
    prepared(`SELECT p.recording_id AS said_recording_id, p.start_ms AS said_offset_ms, p.speaker AS said_speaker, p.text AS said_text,
          ${matchColumns}
        FROM ${source} CROSS JOIN recordings r ON r.id = p.recording_id CROSS JOIN conversations c ON c.id = r.conversation_id
        WHERE ${where} ${filter.clauses.map((clause) => `AND ${clause}`).join(' ')}
        ORDER BY ${order}`);

  /** The said rows `match` finds in `index` that meet `filter`, newest first (`sparse`: read whole and sorted). */
  const saidRows = (index: string, match: string, filter: SearchFilter, sparse: boolean): Iterable<SaidRow> =>
    saidRowsSql(`${index} f CROSS JOIN transcript_phrases p ON p.id = f.rowid`, `${index} MATCH @said`, filter, `${sparse ? '+' : ''}f.rowid DESC`).iterate({
      ...filter.params,
      said: match,
    }) as Iterable<SaidRow>;

  /** The phrase's rows found through its rare triples and checked whole; null when it has none, or they find too many phrases. */
  const saidThroughRareTriples = (words: ReadonlyArray<string>, filter: SearchFilter): Array<SaidRow> | null => {
    const lead = words.length >= 4 ? rareTriplesLead(words) : null;
    if (lead === null || (countMatches.get(lead, RARE_LEAD_CANDIDATES + 1) as { n: number }).n > RARE_LEAD_CANDIDATES) return null;
    // Each candidate's text alone is read and checked; only the phrases said are joined to their calls.
    const candidates = leadPhrases.all(lead) as Array<{ id: bigint; text: string }>;
    const said = checkPhrases(
      candidates.map((row) => row.text),
      wordsPhrase(words),
    );
    const ids = candidates.filter((_, i) => said.has(i)).map((row) => row.id);
    if (ids.length === 0) return [];
    return saidRowsSql('transcript_phrases p', 'p.id IN (SELECT value FROM json_each(@ids))', filter, 'p.id DESC').all({ ...filter.params, ids: `[${ids.join(',')}]` }) as Array<SaidRow>;
  };

  /** The phrase's rows found through its words: one FTS5 phrase of its words, pairs or triples (saidLookup). */
  const saidThroughWords = (words: ReadonlyArray<string>, filter: SearchFilter): Iterable<SaidRow> => {
    const { index, match } = saidLookup(words);
    const sparse = (prepared(`SELECT count(*) AS n FROM (SELECT rowid FROM ${index} WHERE ${index} MATCH ? LIMIT ${SPARSE_SAID_MATCHES})`).get(match) as { n: number }).n < SPARSE_SAID_MATCHES;
    return saidRows(index, match, filter, sparse);
  };

  return {
    async communicationOf(recordingId: string): Promise<string | null> {
      return (selectCommunication.get(recordingId) as { session_id: string | null } | undefined)?.session_id ?? null;
    },

    async get(recordingId: string): Promise<StoredTranscript | null> {
      const row = selectTranscript.get(recordingId) as TranscriptRow | undefined;
      if (!row) return null;
      const common = { recordingId: row.recording_id, conversationId: row.conversation_id, communicationId: row.communication_id, fetchedMs: row.fetched_ms };
      if (row.status === 'not-transcribed') return { status: 'not-transcribed', ...common };
      return { status: 'available', ...common, language: row.language, phrases: JSON.parse(row.phrases_json) as Array<TranscriptPhrase> };
    },

    /** Replaces what the index holds for the recording, phrases and their full-text entries with it, in one transaction. */
    async put(transcript: StoredTranscript): Promise<void> {
      const phrases = transcript.status === 'available' ? transcript.phrases : [];
      db.transaction(() => {
        upsertTranscript.run({
          recordingId: transcript.recordingId,
          conversationId: transcript.conversationId,
          communicationId: transcript.communicationId,
          status: transcript.status,
          language: transcript.status === 'available' ? transcript.language : null,
          phrasesJson: JSON.stringify(phrases),
          fetchedMs: transcript.fetchedMs,
        });
        deletePhrases.run(transcript.recordingId);
        const { start_ms: startMs } = selectRecordingStart.get(transcript) as { start_ms: number };
        for (const phrase of phrases) {
          insertPhrase.run({ startMs, recordingId: transcript.recordingId, offsetMs: phrase.startMs, speaker: phrase.speaker, text: phrase.text });
        }
      })();
    },

    /**
     * The recordings where `phrase` was said (see saidMatchExpression) that meet the other criteria, newest
     * first, at most `limit`, each with every matching phrase. One query: FTS5 walks the phrases newest call
     * first (CROSS JOIN keeps it the outer loop), joined to the recording and its call, and stops once the page is full.
     * A phrase said fewer than SPARSE_SAID_MATCHES times is read whole in FTS5's own order and sorted instead:
     * walking backwards costs FTS5 more than reading forwards, and a rare phrase's walk ends only at the oldest call.
     * A phrase with rare word triples is found through them first (rareTriplesLead).
     */
    async searchSaid(phrase: string, criteria: Omit<IndexQuery, 'text'>, limit: number): Promise<Array<SaidRecording>> {
      const words = saidWords(phrase);
      const filter = buildFilter(criteria);
      if (words === null || filter === null || limit <= 0) return [];
      const rows = saidThroughRareTriples(words, filter) ?? saidThroughWords(words, filter);
      const found = new Map<string, SaidRecording>();
      for (const row of rows) {
        let recording = found.get(row.said_recording_id);
        if (!recording) {
          // A recording's phrases are consecutive keys: the next recording past the page ends the walk.
          if (found.size >= limit) break;
          recording = { recording: toMatch(row), said: [] };
          found.set(row.said_recording_id, recording);
        }
        recording.said.push({ offsetMs: row.said_offset_ms, speaker: row.said_speaker, text: row.said_text });
      }
      for (const { said } of found.values()) said.sort((a, b) => a.offsetMs - b.offsetMs);
      return [...found.values()];
    },

    /** Indexed recordings without a transcript, newest first; one held as not transcribed is asked again once `retryBeforeMs` has passed. */
    async missing(retryBeforeMs: number, limit: number): Promise<Array<TranscriptCandidate>> {
      return (selectCandidates.all(retryBeforeMs, limit) as Array<{ recording_id: string; conversation_id: string; session_id: string }>).map((row) => ({
        recordingId: row.recording_id,
        conversationId: row.conversation_id,
        communicationId: row.session_id,
      }));
    },
  };
}

export type TranscriptRepository = ReturnType<typeof createTranscriptRepository>;

/**
 * The officer's words as one FTS5 phrase: its words in that order, the last one as a prefix ("euro dol"
 * finds "euro dollar"). Operators and quotes are never interpreted. Null when no searchable word remains.
 */
export function saidMatchExpression(phrase: string): string | null {
  const words = saidWords(phrase);
  return words ? wordsPhrase(words) : null;
}

const wordsPhrase = (words: ReadonlyArray<string>): string => `"${words.join(' ')}"*`;

/**
 * Which of some phrase texts an FTS5 phrase matches, as their positions in `texts`: they pass through a
 * private in-memory full-text table (always left empty) split into words by the transcript index's own
 * tokenizer (read from the schema), so a word is what it is there. Nothing is written to the index or to disk.
 */
function phraseChecker(db: Db): (texts: ReadonlyArray<string>, match: string) => Set<number> {
  const schema = (db.prepare("SELECT sql FROM sqlite_master WHERE name = 'transcript_phrases_fts'").get() as { sql: string } | undefined)?.sql;
  const tokenizer = schema?.match(/tokenize\s*=\s*'([^']*)'/)?.[1];
  if (tokenizer === undefined) throw new Error('The index has no transcript full-text table to take its tokenizer from');
  const scratch = new Database(':memory:');
  scratch.exec(`CREATE VIRTUAL TABLE phrases USING fts5(text, content='', contentless_delete=1, tokenize='${tokenizer}')`);
  const insert = scratch.prepare('INSERT INTO phrases(rowid, text) VALUES (?, ?)');
  const matching = scratch.prepare('SELECT rowid FROM phrases WHERE phrases MATCH ?').pluck();
  const clear = scratch.prepare("INSERT INTO phrases(phrases) VALUES ('delete-all')");
  return scratch.transaction((texts: ReadonlyArray<string>, match: string) => {
    texts.forEach((text, i) => insert.run(i, text));
    const found = new Set(matching.all(match) as Array<number>);
    clear.run();
    return found;
  });
}

function saidWords(phrase: string): Array<string> | null {
  const words = phrase.match(/[\p{L}\p{N}]+/gu);
  return words && words.length > 0 ? words : null;
}
