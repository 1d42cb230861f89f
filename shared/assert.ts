/** Exhaustiveness check for switches over unions: a missing case is a compile error. */
export function assertNever(value: never, context = 'unexpected value'): never {
  throw new Error(`${context}: ${JSON.stringify(value)}`);
}
