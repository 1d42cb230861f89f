/**
 * Deterministic JSON: object keys sorted, no whitespace. Hashes of audit events are taken over this
 * form so that anyone can recompute them with any JSON library that sorts keys.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('non-finite number in canonical JSON');
    if (value === undefined) throw new Error('undefined in canonical JSON');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * Whether `text` is the canonical JSON of `parsed`, the value JSON.parse(text) returned: it is when the
 * text serializes back to itself and every object's keys come in canonical order (then canonicalJson
 * would write the same). Far cheaper than writing the canonical form again to compare or hash it.
 */
export function isCanonicalJsonText(parsed: unknown, text: string): boolean {
  return keysInCanonicalOrder(parsed) && JSON.stringify(parsed) === text;
}

function keysInCanonicalOrder(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) return value.every(keysInCanonicalOrder);
  let previous: string | null = null;
  for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
    if ((previous !== null && !(previous < key)) || !keysInCanonicalOrder(member)) return false;
    previous = key;
  }
  return true;
}
