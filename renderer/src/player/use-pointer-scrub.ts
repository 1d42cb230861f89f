import { useRef, type PointerEvent } from 'react';

/**
 * Press and drag on a strip that stands for a span of time: reports where the pointer is, as a fraction
 * 0..1 of the strip's width, on the press and on every move until release.
 */
export function usePointerScrub(onFraction: (fraction: number) => void) {
  const dragging = useRef(false);
  const report = (event: PointerEvent<HTMLElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    if (box.width > 0) onFraction(Math.min(Math.max((event.clientX - box.left) / box.width, 0), 1));
  };
  const release = () => {
    dragging.current = false;
  };
  return {
    onPointerDown: (event: PointerEvent<HTMLElement>) => {
      if (event.button !== 0) return;
      dragging.current = true;
      event.currentTarget.setPointerCapture(event.pointerId);
      report(event);
    },
    onPointerMove: (event: PointerEvent<HTMLElement>) => {
      if (dragging.current) report(event);
    },
    onPointerUp: release,
    onPointerCancel: release,
  };
}
