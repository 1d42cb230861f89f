/** The recording's annotations, drawn on the player (issue 12, part 4): built on its own branch. */
export function AnnotationsPanel(_props: { recordingId: string }) {
  return null;
}
