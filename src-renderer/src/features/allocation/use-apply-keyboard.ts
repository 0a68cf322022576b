import { useCallback, useEffect, useRef, type KeyboardEvent } from 'react';
import { billKey, FILL_KEYS } from './allocate-logic';
import type { FillPolicy } from './allocation-fill';

/** What the keyboard drives in the Allocate payment dialog. */
type KeyboardTargets = {
  /** The Apply fields' keys in screen order. */
  order: readonly string[];
  /** Changes each time a new view is read: focus then goes to the first Apply field again. */
  generation: number;
  canSave: boolean;
  toggle: (billNo: string, open?: boolean) => void;
  fill: (policy: FillPolicy) => void;
  clear: () => void;
  submit: () => void;
};

/**
 * The dialog's keyboard: focus starts in the first Apply field; ↑/↓ and Enter move between fields (Enter on the
 * last one goes to the button that would save); Alt+→/← show or hide a bill's items; Alt+F/P/B/L fill by policy;
 * Alt+C clears; Ctrl+Enter saves. Also remembers the bill whose field had the cursor (By bill number fills it).
 */
export function useApplyKeyboard(t: KeyboardTargets) {
  const fieldRefs = useRef(new Map<string, HTMLInputElement>());
  const focusedBill = useRef<string | null>(null);
  const focusedGeneration = useRef(0);
  const saveRef = useRef<HTMLButtonElement>(null);
  const creditRef = useRef<HTMLButtonElement>(null);
  const { order, generation } = t;

  useEffect(() => {
    if (generation === 0 || focusedGeneration.current === generation) return;
    focusedGeneration.current = generation;
    const first = order[0];
    if (first) fieldRefs.current.get(first)?.focus();
  }, [generation, order]);

  const focusKey = (key: string | undefined) => {
    const el = key ? fieldRefs.current.get(key) : undefined;
    el?.focus();
  };

  const onFieldKeyDown = (e: KeyboardEvent<HTMLInputElement>, key: string, billNo: string) => {
    if (e.ctrlKey || e.metaKey) return;
    const at = order.indexOf(key);
    if (e.key === 'ArrowDown' || (e.key === 'Enter' && !e.altKey && !e.shiftKey)) {
      e.preventDefault();
      if (at < order.length - 1) focusKey(order[at + 1]);
      else if (e.key === 'Enter') (t.canSave ? saveRef : creditRef).current?.focus();
    } else if (e.key === 'ArrowUp' || (e.key === 'Enter' && e.shiftKey)) {
      e.preventDefault();
      if (at > 0) focusKey(order[at - 1]);
    } else if (e.altKey && e.key === 'ArrowRight') {
      e.preventDefault();
      t.toggle(billNo, true);
    } else if (e.altKey && e.key === 'ArrowLeft') {
      e.preventDefault();
      t.toggle(billNo, false);
      focusKey(billKey(billNo));
    }
  };

  const onDialogKeyDown = (e: KeyboardEvent<HTMLElement>) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
      e.preventDefault();
      t.submit();
      return;
    }
    if (!e.altKey || e.ctrlKey || e.metaKey) return;
    const f = FILL_KEYS.find((k) => k.code === e.code);
    if (f) {
      e.preventDefault();
      t.fill(f.policy);
    } else if (e.code === 'KeyC') {
      e.preventDefault();
      t.clear();
    }
  };

  const registerField = useCallback(
    (key: string) => (el: HTMLInputElement | null) => {
      if (el) fieldRefs.current.set(key, el);
      else fieldRefs.current.delete(key);
    },
    [],
  );

  /** Props of an Apply field: its ref, the keys, and select-all on focus (typing replaces the amount). */
  const fieldBindings = (key: string, billNo: string) => ({
    inputRef: registerField(key),
    onKeyDown: (e: KeyboardEvent<HTMLElement>) =>
      onFieldKeyDown(e as KeyboardEvent<HTMLInputElement>, key, billNo),
    onFocus: (e: { target: { select: () => void } }) => {
      focusedBill.current = billNo;
      e.target.select();
    },
  });

  return { fieldBindings, onDialogKeyDown, focusedBill, saveRef, creditRef };
}
