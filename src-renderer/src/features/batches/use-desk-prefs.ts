import { useCallback, useState } from 'react';

/** A window shorter than this opens batches with the header folded to one line, so the grid keeps its rows. */
export const SHORT_WINDOW_PX = 900;

/**
 * Row and header heights and cell padding of the entries grid in each density: compact shows about half again
 * as many rows; the cell padding (12 px, 8 px compact, where the theme has 16) leaves every default column room
 * at 1600 px beside the batch list.
 */
export const GRID_DENSITY = {
  comfortable: { rowHeight: 34, headerHeight: 38, cellHorizontalPaddingScale: 0.75 },
  compact: { rowHeight: 24, headerHeight: 30, cellHorizontalPaddingScale: 0.5 },
} as const;

/** A grid density. */
export type GridDensity = keyof typeof GRID_DENSITY;

function read(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    // Storage can be unavailable; the defaults apply then.
    return null;
  }
}

function write(key: string, value: string): void {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // Not remembering the choice is harmless.
  }
}

/**
 * One of the clerk's view choices on this machine (kept per operator in localStorage): the stored value, or the
 * default for this window when the clerk never chose.
 */
function usePref<T extends string>(
  login: string,
  name: string,
  parse: (stored: string | null) => T,
): [T, (next: T) => void] {
  const key = `paydesk.desk.${login}.${name}`;
  const [value, setValue] = useState<T>(() => parse(read(key)));
  const set = useCallback(
    (next: T) => {
      setValue(next);
      write(key, next);
    },
    [key],
  );
  return [value, set];
}

/** Whether the batch header is folded to its one-line summary (default: folded in a short window). */
export function useHeaderCollapsed(login: string): [boolean, (next: boolean) => void] {
  const [value, set] = usePref<'true' | 'false'>(login, 'header-collapsed', (s) =>
    s === 'true' || s === 'false' ? s : window.innerHeight < SHORT_WINDOW_PX ? 'true' : 'false',
  );
  return [value === 'true', useCallback((next: boolean) => set(next ? 'true' : 'false'), [set])];
}

/** The entries grid's density (default: compact in a short window, where every row counts). */
export function useGridDensity(login: string): [GridDensity, (next: GridDensity) => void] {
  return usePref<GridDensity>(login, 'grid-density', (s) =>
    s === 'compact' || s === 'comfortable'
      ? s
      : window.innerHeight < SHORT_WINDOW_PX
        ? 'compact'
        : 'comfortable',
  );
}
