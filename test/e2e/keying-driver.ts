import type { Page } from 'playwright-core';
import type { BatchDto, BatchEntriesPageDto, BatchEntryDto } from '../../src-shared/dto/batches';
import type { E2eSession } from './helpers';

/** One entry as the clerk keys it: the values typed and the key that ends it. */
export type KeyedEntry = {
  accountNo: string;
  amount: string;
  checkNo: string;
  end: 'Enter' | 'Control+Enter';
};

/** What a keying run measured. */
export type KeyingFigures = {
  delayMs: number;
  entries: number;
  /** Characters missing, extra or in the wrong cell or entry (edit distance per field, summed). */
  lostOrMisplaced: number;
  /** Focus or keys outside the batch grid, and any change of the page address. */
  focusEscapes: string[];
  /** Tab, Enter and Ctrl+Enter per entry (the most any entry needed, and the mean). */
  nonDataKeysMax: number;
  nonDataKeysMean: number;
  entriesPerMinute: number;
  /** Seconds the keys took to type, and until the last entry was saved. */
  typedSeconds: number;
  savedSeconds: number;
  /** First differences between what was keyed and what was saved (for the failure message). */
  mismatches: string[];
};

/** Calls a command through the services of the same ledger and unwraps the result. */
export async function service<T>(s: E2eSession, command: string, input: unknown): Promise<T> {
  const r = await s.app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

/**
 * Entries as a lockbox clerk keys them: account numbers with leading zeros (`0004…`, `00009…`), amounts with
 * and without cents, and on every fourth entry a check number; every third entry ends with Ctrl+Enter.
 */
export function keyedEntries(count: number, seed: number): KeyedEntry[] {
  const out: KeyedEntry[] = [];
  let x = seed >>> 0 || 1;
  const next = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x;
  };
  for (let i = 0; i < count; i++) {
    const prefix = ['0004', '00009', '0', '000'][i % 4]!;
    const accountNo = `${prefix}${String(next() % 100000).padStart(5, '0')}`;
    const cents = next() % 100000;
    const amount =
      i % 5 === 2
        ? String(Math.floor(cents / 100) + 1)
        : `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
    const checkNo = i % 4 === 3 ? String(1000 + (next() % 9000)) : '';
    out.push({ accountNo, amount, checkNo, end: i % 3 === 2 ? 'Control+Enter' : 'Enter' });
  }
  return out;
}

/**
 * The keys of the documented keying path for the column order Account no, Amount, Check no: each value, Tab to
 * the next value, and Enter (or Ctrl+Enter) after the last value of the entry.
 */
export function keysOf(e: KeyedEntry): string[] {
  const keys = [...e.accountNo, 'Tab', ...e.amount];
  if (e.checkNo) keys.push('Tab', ...e.checkNo);
  keys.push(e.end);
  return keys;
}

/** True for a key that types no character (Tab, Enter, Ctrl+Enter). */
export function isNonDataKey(key: string): boolean {
  return key.length > 1;
}

/** Every entry of a batch in entry order, from the service (page by page). */
export async function entriesOf(s: E2eSession, batchId: number): Promise<BatchEntryDto[]> {
  const rows: BatchEntryDto[] = [];
  for (;;) {
    const page = await service<BatchEntriesPageDto>(s, 'batches:entries', {
      batchId,
      startRow: rows.length,
      endRow: rows.length + 5000,
    });
    rows.push(...page.rows);
    if (page.rows.length < 5000) return rows;
  }
}

/** Waits until the grid's cell editor has the focus in this column. */
export async function waitEditing(page: Page, colId: string, timeout = 10_000): Promise<void> {
  await page.waitForFunction(
    (col) => {
      const a = document.activeElement;
      return !!a && a.tagName === 'INPUT' && a.closest('.ag-cell')?.getAttribute('col-id') === col;
    },
    colId,
    { timeout },
  );
}

/**
 * Opens the Batches area, creates a check batch with the New batch dialog (New batch, Ctrl+Enter) and
 * waits for the cursor in the first entry's Account no. Where they show, it hides the Bill no and Payment date
 * columns with the Columns menu (the clerk's layout, kept per operator), so Tab goes Account no, Amount, Check no.
 */
export async function newKeyingBatch(s: E2eSession): Promise<number> {
  const page = s.page;
  if (
    !(await page
      .getByTestId('batches-page')
      .isVisible()
      .catch(() => false))
  ) {
    await page.goto(s.bridge.url);
    await page.getByTestId('nav-frame').waitFor();
    await page.keyboard.press('Alt+1');
    await page.getByTestId('batches-page').waitFor();
  }
  // Alt+N does nothing while a cell is being edited (no shortcut acts on keys typed into the grid): the button.
  await page.getByTestId('new-batch').click();
  const dialog = page.getByTestId('new-batch-dialog');
  await dialog.waitFor();
  await page.getByTestId('new-batch-note').focus();
  await page.keyboard.press('Control+Enter');
  await dialog.waitFor({ state: 'hidden' });
  await waitEditing(page, 'accountNo');
  const batchId = Number(await page.getByTestId('batch-workspace').getAttribute('data-batch-id'));
  const headers = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('[data-testid="entries-grid"] .ag-header-cell')]
        .map((h) => h.getAttribute('col-id'))
        .filter((c): c is string => !!c),
    );
  const shown = await headers();
  const hide = ['billNo', 'paymentDate'].filter((c) => shown.includes(c));
  for (const col of hide) {
    await page.getByTestId('grid-columns').click();
    await page.getByTestId(`column-toggle-${col}`).click();
    await page.keyboard.press('Escape');
  }
  if (hide.length) {
    await page.keyboard.press('Control+Enter');
    await waitEditing(page, 'accountNo');
  }
  const order = await headers();
  const keyed = order.filter((c) => ['accountNo', 'amount', 'checkNo', 'billNo', 'paymentDate'].includes(c));
  if (keyed.join(',') !== 'accountNo,amount,checkNo')
    throw new Error(`the grid keys ${keyed.join(', ')}, not Account no, Amount, Check no`);
  return batchId;
}

/**
 * Watches, in the page, where keys and focus go: a key whose target is outside the batch grid, a focus change to
 * an element outside it, and a change of the address are escapes.
 */
export async function watchFocus(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __keyingEscapes?: string[]; __keyingHref?: string };
    w.__keyingEscapes = [];
    w.__keyingHref = location.href;
    const describe = (el: Element | null) => {
      if (!el) return 'nothing';
      const id = el.getAttribute('data-testid') ?? el.closest('[data-testid]')?.getAttribute('data-testid');
      return `${el.tagName.toLowerCase()}${id ? ` in ${id}` : ''}`;
    };
    const inGrid = (el: Element | null) => !!el?.closest('[data-testid="entries-grid"]');
    if ((window as unknown as { __keyingWatch?: boolean }).__keyingWatch) return;
    (window as unknown as { __keyingWatch?: boolean }).__keyingWatch = true;
    window.addEventListener(
      'keydown',
      (e) => {
        const t = e.target instanceof Element ? e.target : null;
        if (!inGrid(t)) w.__keyingEscapes?.push(`key ${e.key} went to ${describe(t)}`);
      },
      true,
    );
    window.addEventListener(
      'focusin',
      (e) => {
        const t = e.target instanceof Element ? e.target : null;
        if (!inGrid(t)) w.__keyingEscapes?.push(`focus moved to ${describe(t)}`);
      },
      true,
    );
    window.addEventListener('hashchange', () =>
      w.__keyingEscapes?.push(`address changed to ${location.href}`),
    );
  });
}

/** The escapes seen since watchFocus, plus an address that is no longer the batch's. */
export async function focusEscapes(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const w = window as unknown as { __keyingEscapes?: string[]; __keyingHref?: string };
    const out = [...(w.__keyingEscapes ?? [])];
    if (w.__keyingHref !== location.href) out.push(`address is ${location.href}`);
    if (!document.querySelector('[data-testid="entries-grid"]')) out.push('the batch grid is gone');
    return out;
  });
}

/** Levenshtein distance: characters lost, extra or changed between what was keyed and what was saved. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const keep = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = keep;
    }
  }
  return row[b.length]!;
}

/** Compares the saved entries with the keyed ones, field by field and entry by entry. */
export function compareEntries(
  keyed: readonly KeyedEntry[],
  saved: readonly BatchEntryDto[],
): { lostOrMisplaced: number; mismatches: string[] } {
  // The last Enter opens the next (blank) entry; an untouched trailing entry is not a keyed one.
  const rows = [...saved];
  while (rows.length > keyed.length) {
    const last = rows[rows.length - 1]!;
    if (last.accountNo !== null || last.amountText !== null || last.checkNo !== null) break;
    rows.pop();
  }
  let lost = 0;
  const mismatches: string[] = [];
  const n = Math.max(keyed.length, rows.length);
  for (let i = 0; i < n; i++) {
    const k = keyed[i];
    const r = rows[i];
    const want = [k?.accountNo ?? '', k?.amount ?? '', k?.checkNo ?? ''];
    const got = [r?.accountNo ?? '', r?.amountText ?? '', r?.checkNo ?? ''];
    const d = want.reduce((sum, w, j) => sum + editDistance(w, got[j]!), 0);
    if (d > 0) {
      lost += d;
      if (mismatches.length < 8)
        mismatches.push(`#${i + 1}: keyed ${JSON.stringify(want)}, saved ${JSON.stringify(got)}`);
    }
  }
  return { lostOrMisplaced: lost, mismatches };
}

/**
 * Keys the entries with the keyboard only, `delayMs` between keys (0: as fast as the browser takes them, like a
 * keyboard wedge or a scanner), then waits for the saves and measures.
 */
export async function keyRun(
  s: E2eSession,
  batchId: number,
  entries: readonly KeyedEntry[],
  delayMs: number,
): Promise<KeyingFigures> {
  const page = s.page;
  await watchFocus(page);
  const started = Date.now();
  const perEntry: number[] = [];
  for (const e of entries) {
    const keys = keysOf(e);
    perEntry.push(keys.filter(isNonDataKey).length);
    for (const key of keys) {
      await page.keyboard.press(key);
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    }
  }
  const typedMs = Date.now() - started;
  // Done when the service holds every keyed entry with its last value (or the saves stop changing anything).
  let saved = await entriesOf(s, batchId);
  const last = entries[entries.length - 1];
  const deadline = Date.now() + 30_000 + entries.length * 2_000;
  let stable = 0;
  let previous = '';
  while (Date.now() < deadline) {
    saved = await entriesOf(s, batchId);
    const done =
      last !== undefined &&
      saved.length >= entries.length &&
      saved[entries.length - 1]?.amountText === last.amount &&
      (saved[entries.length - 1]?.checkNo ?? '') === last.checkNo;
    if (done) break;
    // Keys typed faster than entries are made wait in the grid, in order: keep waiting while any are held.
    const held = await page
      .getByTestId('entries-grid')
      .getAttribute('data-held-keys')
      .catch(() => null);
    const snapshot = `${held}:${JSON.stringify(saved.map((r) => [r.accountNo, r.amountText, r.checkNo]))}`;
    stable = snapshot === previous && (held ?? '0') === '0' ? stable + 1 : 0;
    previous = snapshot;
    if (stable >= 20) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const elapsedMs = Date.now() - started;
  const { lostOrMisplaced, mismatches } = compareEntries(entries, saved);
  return {
    delayMs,
    entries: entries.length,
    lostOrMisplaced,
    focusEscapes: await focusEscapes(page),
    nonDataKeysMax: Math.max(...perEntry),
    nonDataKeysMean: perEntry.reduce((a, b) => a + b, 0) / Math.max(1, perEntry.length),
    entriesPerMinute: Math.round((entries.length / elapsedMs) * 60_000),
    typedSeconds: Math.round(typedMs / 100) / 10,
    savedSeconds: Math.round(elapsedMs / 100) / 10,
    mismatches,
  };
}

/** True when the open cell editor can be seen whole: its top and bottom edges are not covered by anything. */
export async function editorInView(s: E2eSession): Promise<boolean> {
  return s.page.evaluate(() => {
    const input = document.activeElement;
    const cell = input instanceof HTMLInputElement ? input.closest('.ag-cell') : null;
    if (!cell) return false;
    const r = cell.getBoundingClientRect();
    const x = r.left + Math.min(24, r.width / 2);
    return [r.top + 3, r.bottom - 3].every((y) => {
      const hit = document.elementFromPoint(x, y);
      return !!hit && cell.contains(hit);
    });
  });
}

/** The batch as the service holds it. */
export async function batchOf(s: E2eSession, batchId: number): Promise<BatchDto> {
  return service<BatchDto>(s, 'batches:get', { batchId });
}
