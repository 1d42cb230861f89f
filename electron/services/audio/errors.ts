import { AppError } from '../errors';

/** Media bytes that are not what they claim to be (a damaged cache file, a bad download). */
export class InvalidMediaError extends AppError {
  constructor(problem: string) {
    super('UPSTREAM_INVALID', `The recording's audio is not a readable WAV file: ${problem}`);
  }
}
