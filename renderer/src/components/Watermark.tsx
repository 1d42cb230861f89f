import type { ReviewSession } from '../../../shared/domain';
import { useTimeDisplay, wallClockTexts } from '../time-display';

const tiles = 24;

/**
 * Over every page of a review session: who is reviewing and since when, repeated across the window.
 * It never takes a click (pointer-events: none) and cannot be closed.
 */
export function Watermark({ review }: { review: ReviewSession }) {
  const { first } = useTimeDisplay();
  const text = `${review.reviewer} · regulator review · session ${wallClockTexts(review.startedAt, first)[0]}`;
  return (
    <div className="watermark" aria-hidden="true" data-testid="watermark" data-reviewer={review.reviewer}>
      {Array.from({ length: tiles }, (_, i) => (
        <span key={i} className="watermark__tile">
          {text}
        </span>
      ))}
    </div>
  );
}
