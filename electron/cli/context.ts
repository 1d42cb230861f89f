import type { ComposedEngine } from '../services/composition/compose-engine';
import type { Output } from './output';

/** What every command gets: its profile name and output mode. */
export type CommandContext = { profile: string; output: Output };

/** Runs a command on the profile's engine, then closes it in order (jobs paused, audit drained, database closed). */
export async function withEngine<T>(
  ctx: CommandContext,
  run: (composed: ComposedEngine) => Promise<T>,
): Promise<T> {
  // Loaded here, not at start: commands that need no engine (pack verify, help) stay light.
  const { composeEngine } = await import('../services/composition/compose-engine');
  const composed = await composeEngine({ profile: ctx.profile, mediaUrlBase: 'media://recording/' });
  try {
    return await run(composed);
  } finally {
    await composed.close();
  }
}
