import type { Dispatch, RefObject, SetStateAction } from 'react';
import type { GridApi } from 'ag-grid-community';
import type { BatchEntryDto, EntryStatusDto } from '../../../../src-shared/dto/batches';
import type { EntryCustomFilter } from './CustomFieldFilter';
import type { SerialQueue } from './use-serial-queue';

export const CLERK_LAYOUT_SOURCES: ReadonlySet<string> = new Set([
  'uiColumnMoved',
  'uiColumnResized',
  'uiColumnDragged',
  'columnMenu',
  'contextMenu',
  'toolPanelUi',
]);

/** Rows the service sends per block; the grid asks for the next block as the clerk scrolls. */
export const BLOCK_SIZE = 200;

/**
 * Resolves after the grid's pending events: AG Grid hands cell edits to the app asynchronously (on a zero timeout),
 * so a key action waits for them, or it would act before the edit it follows (an undo would miss the last edit,
 * a new entry would be added before the value typed into the last cell was seen).
 */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * The keying-path name of a key (a character, Backspace, Tab, Shift+Tab, Enter, Ctrl+Enter), or null for a key
 * that is not part of keying (shortcuts, arrows, Escape): those are never held.
 */
export function keyingKey(e: KeyboardEvent): string | null {
  if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key === 'Enter') return 'Ctrl+Enter';
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (e.key === 'Tab') return e.shiftKey ? 'Shift+Tab' : 'Tab';
  if (e.key === 'Enter') return e.shiftKey ? null : 'Enter';
  if (e.key === 'Backspace' || e.key.length === 1) return e.key;
  return null;
}

/** A grid row: an entry, or (with `totals`) the pinned totals row under the entries. */
export type GridRow = BatchEntryDto & { totals?: { count: number; amountMinor: number } };

/** What the workspace can ask of the grid. */
export type EntriesGridHandle = {
  /** Fetches every loaded block again (after Validate, Exception batch, Submit). */
  reload: () => void;
  /** Replaces one entry's row with what the service returned (after Suspend or Release). */
  updateEntry: (entry: BatchEntryDto) => void;
  /** Commits the cell being edited and waits until every save reached the service. */
  flush: () => Promise<void>;
  /** Deletes the blank entry that "new entry" added if nothing was keyed into it. */
  dropBlankDraft: () => Promise<void>;
  /** Appends an entry and puts the cursor in its first editable cell. */
  appendEntry: () => void;
  /** Puts the keyboard focus back on the grid's focused cell (after a dialog). */
  focus: () => void;
};

export const EMPTY_ENTRY: BatchEntryDto = {
  id: 0,
  seq: 0,
  sourceLine: null,
  accountNo: null,
  billNo: null,
  amountText: null,
  amountMinor: null,
  currency: '',
  paymentDate: null,
  checkNo: null,
  payerName: null,
  reference: null,
  channelId: null,
  paymentRef: null,
  custom: {},
  status: 'new',
  reasonCode: null,
  problem: null,
  problemColumn: null,
  problems: [],
  manualSuspend: false,
  allocationState: 'none',
  postedPaymentId: null,
  duplicateOf: null,
  duplicateRelease: null,
};

/** A message above the grid (a refused save, nothing to undo, keys that were not applied). */
export type GridMessage = { severity: 'error' | 'info'; text: string };

/**
 * What the grid's hooks share: the grid API once it is ready, the frame that holds the keyboard focus, and the
 * values the grid's callbacks read through refs (they are built once, so they cannot close over props).
 */
export type GridCore = {
  apiRef: RefObject<GridApi<GridRow> | null>;
  boxRef: RefObject<HTMLDivElement | null>;
  editableRef: RefObject<boolean>;
  filterRef: RefObject<readonly EntryStatusDto[]>;
  customRef: RefObject<EntryCustomFilter | null>;
  /** The blank entry "new entry" added, until something is keyed into it or it is dropped. */
  draftIdRef: RefObject<number | null>;
  focusedIdRef: RefObject<number | null>;
  /** Blocks being fetched from the service. */
  loadingRef: RefObject<number>;
  onSavedRef: RefObject<() => void>;
  onFocusEntryRef: RefObject<(entry: BatchEntryDto | null) => void>;
  batchId: number;
  exponent: number;
  queue: SerialQueue;
  setMessage: Dispatch<SetStateAction<GridMessage | null>>;
  showError: (err: unknown) => void;
  /** Count and amount of the entries the filter shows, from the service; returns the count. */
  refreshTotals: () => Promise<number>;
};
