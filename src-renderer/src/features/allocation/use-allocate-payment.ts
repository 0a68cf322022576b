import { useMemo, useState } from 'react';
import type { AppError } from '../../../../src-shared/api/result';
import type {
  AllocationResultDto,
  AllocBillDto,
  AllocPaymentDto,
} from '../../../../src-shared/dto/allocation';
import type { EntryAllocationViewDto } from '../../../../src-shared/dto/batches';
import { ApiCallError, errorMessage } from '../../api/client';
import { formatLocalAmount } from '../../components/amount';
import { useApiMutation } from '../../components/query';
import {
  billLevelEntries,
  billNumberHint,
  entriesFromManual,
  entryPayment,
  entrySaveLines,
  fieldOrder,
  isStale,
  itemModeBills,
  type EntryAllocationSource,
} from './allocate-logic';
import {
  checkEntries,
  entriesFromFill,
  planFill,
  spreadOverItems,
  type BillEntry,
  type Entries,
  type FillPolicy,
} from './allocation-fill';
import { useApplyKeyboard } from './use-apply-keyboard';
import { useSnapshotQuery } from './use-snapshot-query';

/** Either a posted payment (allocation:view / allocation:apply) or a batch entry before submit (batch commands). */
export type AllocateTarget =
  | {
      paymentId: number;
      entry?: undefined;
      onSaved: (result: AllocationResultDto) => void;
      onEntrySaved?: undefined;
    }
  | {
      paymentId?: undefined;
      entry: EntryAllocationSource;
      onSaved?: undefined;
      onEntrySaved: (v: EntryAllocationViewDto) => void;
    };

function asAppError(err: unknown): AppError {
  return err instanceof ApiCallError
    ? err.error
    : { code: 'internal', message: errorMessage(err), correlationId: 'renderer' };
}

/**
 * The state of the Allocate payment dialog: the view as read when it opened (kept still until Reload, so the
 * figures and the stale-data token do not move under the clerk), the Apply fields, policy fills, the checked
 * result and saving.
 */
export function useAllocatePayment(target: AllocateTarget) {
  const { paymentId, entry } = target;
  const paymentRead = useSnapshotQuery(
    'allocation:view',
    { paymentId: paymentId ?? 0 },
    { enabled: paymentId !== undefined },
  );
  const entryRead = useSnapshotQuery(
    'batches:entry-allocation',
    { batchId: entry?.batchId ?? 0, entryId: entry?.entryId ?? 0 },
    { enabled: entry !== undefined },
  );
  const entryView = entry ? entryRead.data : null;
  const view = entry ? (entryView?.view ?? null) : paymentRead.data;
  const read = entry ? entryRead : paymentRead;

  const [entries, setEntries] = useState<Entries>({});
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [filledBy, setFilledBy] = useState<FillPolicy | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<AppError | null>(null);
  const [generation, setGeneration] = useState(0);
  // A new read starts the fields over: an entry's stored manual lines, or nothing.
  if (read.generation !== generation) {
    setGeneration(read.generation);
    const manual = entryView ? entriesFromManual(entryView) : {};
    setEntries(manual);
    setExpanded(new Set(itemModeBills(manual)));
    setFilledBy(null);
  }

  const apply = useApiMutation('allocation:apply');
  const allocateEntry = useApiMutation('batches:allocate-entry');
  const saving = apply.busy || allocateEntry.busy;
  const loading = read.loading;

  const payment: AllocPaymentDto | undefined =
    entry && entryView && view ? entryPayment(entry, entryView, view) : view?.payments[0];
  /** A bill-level batch takes bill lines only (V2), so its bills do not open into items. */
  const billLevelEntry = entryView?.allocationLevel === 'bill';
  const currency = view?.currency ?? '';
  const exponent = view?.exponent ?? 2;
  const bills = useMemo(() => view?.bills ?? [], [view]);
  const unallocatedMinor = payment?.unallocatedMinor ?? 0;
  const check = useMemo(
    () => checkEntries(bills, entries, unallocatedMinor, exponent),
    [bills, entries, unallocatedMinor, exponent],
  );
  const lineCount = check.lines.bills.length + check.lines.items.length;
  const canSubmit =
    !saving && !loading && unallocatedMinor > 0 && lineCount > 0 && !check.hasProblem && !check.overAllocated;
  const canSave = canSubmit && check.remainderMinor === 0;
  const canLeaveCredit = canSubmit && check.remainderMinor > 0;
  const order = useMemo(() => fieldOrder(bills, expanded), [bills, expanded]);

  const edited = () => {
    setFilledBy(null);
    setNotice(null);
    // A stale token stays reported until Reload: editing does not make the figures current.
    setSaveError((e) => (isStale(e) ? e : null));
  };

  const setBillText = (billNo: string, text: string) => {
    setEntries((e) => ({ ...e, [billNo]: { mode: 'bill', billText: text, itemTexts: {} } }));
    edited();
  };

  const setItemText = (bill: AllocBillDto, itemNo: string, text: string) => {
    const current = entries[bill.billNo];
    let base: Record<string, string> = {};
    if (current?.mode === 'items') base = { ...current.itemTexts };
    else {
      // Switching a bill-level amount to item entry keeps what it would have paid, item by item.
      const c = check.bills.get(bill.billNo);
      if (c && !c.problem && c.amountMinor > 0) {
        for (const [no, a] of spreadOverItems(bill, c.amountMinor)) base[no] = formatLocalAmount(a, exponent);
      }
    }
    base[itemNo] = text;
    const next: BillEntry = { mode: 'items', billText: '', itemTexts: base };
    setEntries((e) => ({ ...e, [bill.billNo]: next }));
    edited();
  };

  const toggle = (billNo: string, open?: boolean) =>
    !billLevelEntry &&
    setExpanded((s) => {
      const next = new Set(s);
      if (open ?? !s.has(billNo)) next.add(billNo);
      else next.delete(billNo);
      return next;
    });

  const fill = (policy: FillPolicy) => {
    if (!view || !payment) return;
    const byNumber =
      policy === 'bill-number'
        ? billNumberHint(payment, bills, keyboard.focusedBill.current, entry !== undefined)
        : null;
    const plan = planFill(payment.unallocatedMinor, bills, policy, byNumber?.hint);
    if (!plan) {
      setNotice('By bill number fills one bill: put the cursor in that bill’s Apply field first.');
      return;
    }
    let next = entriesFromFill(bills, plan, exponent);
    if (billLevelEntry) next = billLevelEntries(next, bills, plan, exponent);
    setEntries(next);
    setFilledBy(Object.keys(next).length > 0 ? policy : null);
    setSaveError(null);
    setNotice(byNumber?.hint ? `Filled bill ${byNumber.hint} (${byNumber.why}).` : null);
    const itemBills = itemModeBills(next);
    if (itemBills.length > 0) setExpanded((s) => new Set([...s, ...itemBills]));
  };

  const clear = () => {
    setEntries({});
    setFilledBy(null);
    setNotice(null);
    setSaveError(null);
  };

  const saveEntry = async (clearIt: boolean) => {
    if (!entry || !target.onEntrySaved || !entryView) return;
    setSaveError(null);
    try {
      const v = await allocateEntry.run({
        batchId: entry.batchId,
        entryId: entry.entryId,
        ...(clearIt ? {} : entrySaveLines(entryView.allocationLevel, check, bills, exponent)),
      });
      target.onEntrySaved(v);
    } catch (err) {
      setSaveError(asAppError(err));
    }
  };

  const submit = async () => {
    if (!view || !canSubmit) return;
    if (entry) return saveEntry(false);
    if (paymentId === undefined || !target.onSaved) return;
    setSaveError(null);
    try {
      const result = await apply.run({
        paymentId,
        ...(check.lines.bills.length > 0 ? { bills: check.lines.bills } : {}),
        ...(check.lines.items.length > 0 ? { items: check.lines.items } : {}),
        token: view.token,
      });
      target.onSaved(result);
    } catch (err) {
      setSaveError(asAppError(err));
    }
  };

  const reload = () => {
    setSaveError(null);
    read.reload();
  };

  const keyboard = useApplyKeyboard({
    order,
    generation,
    canSave,
    toggle,
    fill,
    clear,
    submit: () => void submit(),
  });

  return {
    entry,
    paymentId,
    view,
    entryView,
    payment,
    loadError: read.error,
    loading,
    saving,
    saveError,
    notice,
    bills,
    entries,
    expanded,
    filledBy,
    billLevelEntry,
    currency,
    exponent,
    unallocatedMinor,
    check,
    lineCount,
    canSave,
    canLeaveCredit,
    setBillText,
    setItemText,
    toggle,
    fill,
    clear,
    submit,
    saveEntry,
    reload,
    keyboard,
  };
}

/** The dialog's state as its views receive it. */
export type AllocateState = ReturnType<typeof useAllocatePayment>;
