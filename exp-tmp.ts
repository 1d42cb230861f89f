import Database from 'better-sqlite3-multiple-ciphers';
import { createRng } from './test/sandbox/prng';
const db = new Database(':memory:');
const rng = createRng(1);
const NAMES = ['Oliver', 'Amelia', 'Raj', 'Chloe', 'Marcus', 'Elena', 'Kenji', 'Fatima', 'Lucas', 'Isla'];
const INSTRUMENTS = ['euro dollar', 'cable', 'dollar yen', 'the ten year gilt', 'bund futures', 'euro sterling', 'aussie dollar', 'five year swaps'];
const AMOUNTS = ['five million', 'ten million', 'twenty five million', 'fifty million', 'one hundred million'];
const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const N = Number(process.argv[2] ?? 50000);
db.exec(`CREATE VIRTUAL TABLE w USING fts5(text, content='', tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE p USING fts5(text, content='', tokenize="unicode61 remove_diacritics 2 tokenchars '_'");
CREATE VIRTUAL TABLE t USING fts5(text, content='', tokenize="unicode61 remove_diacritics 2 tokenchars '_'");`);
const iw = db.prepare('INSERT INTO w(rowid, text) VALUES (?, ?)'), ip = db.prepare('INSERT INTO p(rowid, text) VALUES (?, ?)'), it = db.prepare('INSERT INTO t(rowid, text) VALUES (?, ?)');
const add = (id: number, text: string) => { const ws = text.toLowerCase().match(/[a-z0-9]+/g)!; iw.run(id, text); ip.run(id, ws.slice(1).map((x, i) => ws[i] + '_' + x).join(' ')); it.run(id, ws.slice(2).map((x, i) => ws[i] + '_' + ws[i + 1] + '_' + x).join(' ')); };
const rows: Array<[number, string]> = [];
for (let i = 0; i < N; i++) {
  const k = (1_700_000_000_000 + Math.floor(rng.next() * 365 * 86400000)) * 4;
  const instrument = rng.pick(INSTRUMENTS); const amount = rng.pick(AMOUNTS);
  const ref = String(20260000 + i).split('').map((d) => DIGITS[Number(d)]).join(' ');
  rows.push([k, `FX desk, ${rng.pick(NAMES)} speaking.`], [k + 1, `Can you show me ${instrument} in ${amount}?`], [k + 2, `Done. You buy ${amount} at one point zero eight. Trade reference ${ref}.`]);
}
rows.sort((a, b) => a[0] - b[0]);
db.transaction(() => { for (const [k, s] of rows) add(k, s); })();
for (const x of ['w', 'p', 't']) db.exec(`INSERT INTO ${x}(${x}) VALUES ('optimize')`);
const best = (f: () => unknown) => { let m = Infinity; for (let i = 0; i < 15; i++) { const t0 = performance.now(); f(); m = Math.min(m, performance.now() - t0); } return m.toFixed(2); };
const q = (table: string, m: string) => [best(() => db.prepare(`SELECT rowid FROM ${table} WHERE ${table} MATCH ? ORDER BY rowid DESC LIMIT 100`).all(m)), 'asc', best(() => db.prepare(`SELECT rowid FROM ${table} WHERE ${table} MATCH ? ORDER BY rowid ASC`).all(m))];
const grams = (ws: string[], n: number) => ws.slice(n - 1).map((_, i) => ws.slice(i, i + n).join('_')).join(' ');
for (const phrase of ['euro dollar in ten million', 'raj speaking', `trade reference ${String(20260000 + 777).split('').map((d) => DIGITS[Number(d)]).join(' ')}`, `reference ${String(20260000 + 4242).split('').map((d) => DIGITS[Number(d)]).join(' ')}`]) {
  const ws = phrase.split(' ');
  console.log(phrase.slice(0, 30), 'words', q('w', `"${phrase}"`), 'pairs', q('p', `"${grams(ws, 2)}"`), 'triples', ws.length > 2 ? q('t', `"${grams(ws, 3)}"`) : '-');
}
