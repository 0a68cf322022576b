import { useEffect } from 'react';

const FIELD =
  'input:not([type="hidden"]):not([type="checkbox"]):not([type="radio"]):not([type="file"]):not([disabled]):not([readonly]),' +
  'textarea:not([disabled]):not([readonly]), select:not([disabled]), [role="combobox"]:not([aria-disabled="true"])';

/** Puts the cursor in the first field of a dialog that just opened, unless something in it has focus already. */
function focusFirstField(dialog: HTMLElement): void {
  const active = document.activeElement;
  // A dialog that chose its own focus (autoFocus on a field or a button) keeps it; only the focus trap's
  // container or the page behind it is corrected.
  if (active instanceof HTMLElement && active !== dialog && dialog.contains(active)) return;
  const field = Array.from(dialog.querySelectorAll<HTMLElement>(FIELD)).find(
    (el) => el.offsetParent !== null || el.getClientRects().length > 0,
  );
  field?.focus();
}

/**
 * Every dialog focuses its first field when it opens: one observer on the portals MUI adds to the body, so no
 * dialog needs its own autoFocus. It waits a frame, after the dialog's focus trap has taken the focus.
 */
export function useDialogFirstFieldFocus(): void {
  useEffect(() => {
    // Only the body's own children are watched (MUI mounts each open dialog in a new portal there), so the
    // grids' constant redrawing costs nothing.
    const observer = new MutationObserver((records) => {
      for (const r of records)
        for (const node of Array.from(r.addedNodes)) {
          if (!(node instanceof HTMLElement)) continue;
          const dialog = node.querySelector<HTMLElement>('[role="dialog"]');
          if (dialog) window.requestAnimationFrame(() => focusFirstField(dialog));
        }
    });
    observer.observe(document.body, { childList: true });
    return () => observer.disconnect();
  }, []);
}
