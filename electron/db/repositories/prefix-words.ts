import type { Db } from '../connection';

/** A typed word standing for more index words than this is left to FTS5 as a prefix. */
const PREFIX_WORDS_MAX = 16;

/**
 * Typed words as FTS5 phrases whose last word is a prefix ("euro dol" finds "euro dollar"). FTS5 answers a
 * prefix by merging the whole doclists of every word it begins before returning a first row, which reads a
 * common word's doclist end to end; so the prefix becomes the exact words the index holds (`terms`: a word
 * list migration 170 keeps), `("euro dollar" OR "euro dollars")`, which FTS5 walks newest first and stops at
 * a page's end. Left as a prefix when it stands for too many words, or for none known (a word the tokenizer
 * folds otherwise than foldWord: FTS5 still answers right, only slower). `spell` turns a phrase's words into
 * the terms of the index searched (wordRuns for the said n-grams: the last one then ends in the prefix).
 */
export function prefixPhrases(
  db: Db,
  terms: 'text_terms' | 'said_terms',
  spell: (words: ReadonlyArray<string>) => ReadonlyArray<string> = (words) => words,
): (tokens: ReadonlyArray<string>) => string {
  const selectWords = db.prepare(`SELECT term FROM ${terms} WHERE term >= @prefix AND term < @prefix || char(1114111) ORDER BY term LIMIT @limit`);
  return (tokens) => {
    const head = tokens.slice(0, -1);
    const known = (selectWords.all({ prefix: foldWord(tokens.at(-1)!), limit: PREFIX_WORDS_MAX + 1 }) as Array<{ term: string }>).map((r) => r.term);
    if (known.length === 0 || known.length > PREFIX_WORDS_MAX) return `"${spell(tokens).join(' ')}"*`;
    return `(${known.map((word) => `"${spell([...head, word]).join(' ').replace(/"/g, '""')}"`).join(' OR ')})`;
  };
}

/** A phrase's words as its runs of `n` consecutive words, each joined by '_': the terms of the said n-gram index (migration 180). */
export function wordRuns(n: number): (words: ReadonlyArray<string>) => Array<string> {
  return (words) => words.slice(n - 1).map((_, i) => words.slice(i, i + n).join('_'));
}

/** A word as the index's tokenizer (unicode61, remove_diacritics 2) keeps it: lower case, without diacritics. */
function foldWord(word: string): string {
  return word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
