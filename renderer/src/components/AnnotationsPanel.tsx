import type { Annotation } from '../../../shared/annotations';

/** The recording's annotations, drawn on the player (issue 12, part 4): built on its own branch. */
export function AnnotationsPanel(_props: { recordingId: string; readOnly?: boolean; annotations?: ReadonlyArray<Annotation> }) {
  return null;
}
