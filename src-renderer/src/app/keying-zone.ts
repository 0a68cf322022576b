/**
 * True when a key event belongs to keyed entry and no global shortcut may act on it: it was typed into a cell
 * editor of a keying zone (the batch grid, marked `data-keying-zone`), or it is Alt with a numeric-keypad key
 * (how a keyboard wedge or a scanner types characters on some systems: Alt+Numpad digits must never switch areas).
 */
export function isKeyingEvent(e: KeyboardEvent): boolean {
  if (e.altKey && e.code.startsWith('Numpad')) return true;
  const target = e.target instanceof Element ? e.target : null;
  return (
    !!target?.closest('[data-keying-zone]') &&
    (target instanceof HTMLInputElement || target.closest('.ag-cell-inline-editing') !== null)
  );
}
