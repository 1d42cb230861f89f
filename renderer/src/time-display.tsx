import { createContext, useContext, useState, type ReactNode } from 'react';
import { formatLocalTime, formatUtcTime } from './format';

/**
 * Which clock comes first wherever a wall-clock time is shown (playhead, lists, review): the
 * workstation's local time or UTC. Both are always shown; one setting, kept on this workstation.
 */
export type TimeFirst = 'local' | 'utc';

const STORAGE_KEY = 'custody.timeFirst';

type TimeDisplay = { first: TimeFirst; setFirst(first: TimeFirst): void };

const TimeDisplayContext = createContext<TimeDisplay>({ first: 'local', setFirst: () => undefined });

function stored(): TimeFirst {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEY) === 'utc' ? 'utc' : 'local';
  } catch {
    return 'local';
  }
}

export function TimeDisplayProvider({ children, initial }: { children: ReactNode; initial?: TimeFirst }) {
  const [first, setFirstState] = useState<TimeFirst>(() => initial ?? stored());
  const setFirst = (next: TimeFirst) => {
    setFirstState(next);
    try {
      globalThis.localStorage?.setItem(STORAGE_KEY, next);
    } catch {
      // A locked-down profile without storage keeps the choice for this session only.
    }
  };
  return <TimeDisplayContext.Provider value={{ first, setFirst }}>{children}</TimeDisplayContext.Provider>;
}

export function useTimeDisplay(): TimeDisplay {
  return useContext(TimeDisplayContext);
}

/** An instant as [primary, secondary] text, in the chosen order: `2024-05-01 10:03:12` and `2024-05-01 08:03:12 UTC`. */
export function wallClockTexts(iso: string, first: TimeFirst): [string, string] {
  const local = formatLocalTime(iso);
  const utc = formatUtcTime(iso);
  return first === 'utc' ? [utc, local] : [local, utc];
}

/** A wall-clock time with both clocks, the chosen one first and the other muted. */
export function WallClock({ iso, className }: { iso: string; className?: string }) {
  const { first } = useTimeDisplay();
  const [primary, secondary] = wallClockTexts(iso, first);
  return (
    <time dateTime={iso} className={className} title={secondary}>
      {primary} <span className="muted">{secondary}</span>
    </time>
  );
}
