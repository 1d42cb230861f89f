import { createHash, hash, type Hash } from 'node:crypto';

/**
 * The engine's one SHA-256 (Node's). It lives below services/ and db/ so both can use it; a string
 * is hashed as UTF-8. `sha256` fits shared/crypto/merkle's HashFn.
 */
export const sha256 = (data: Uint8Array | string): Uint8Array => new Uint8Array(hash('sha256', data, 'buffer'));

export const sha256Hex = (data: Uint8Array | string): string => hash('sha256', data, 'hex');

/** An incremental SHA-256 for data that arrives in chunks. */
export const createSha256 = (): Hash => createHash('sha256');
