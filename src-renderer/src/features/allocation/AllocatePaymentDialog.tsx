import { Fragment, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import IconButton from '@mui/material/IconButton';
import InputAdornment from '@mui/material/InputAdornment';
import LinearProgress from '@mui/material/LinearProgress';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import KeyboardArrowDownIcon from '@mui/icons-material/KeyboardArrowDown';
import KeyboardArrowRightIcon from '@mui/icons-material/KeyboardArrowRight';
import type { AppError } from '../../../../src-shared/api/result';
import type {
  AllocationResultDto,
  AllocationViewDto,
  AllocBillDto,
  AllocPaymentDto,
} from '../../../../src-shared/dto/allocation';
import type { EntryAllocationViewDto, EntryStatusDto } from '../../../../src-shared/dto/batches';
import { formatMinor } from '../../../../src-shared/money';
import { formatLocalAmount } from '../../components/amount';
import { ApiCallError, call, errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import type { MoneyFormatter } from '../../components/format';
import { Fact } from '../../components/AccountHeader';
import { itemTypeName } from '../../components/account-labels';
import {
  billFieldText,
  checkEntries,
  entriesFromFill,
  planFill,
  spreadOverItems,
  type BillEntry,
  type Entries,
  type FieldCheck,
  type FillPolicy,
} from './allocation-fill';
import { FILL_POLICY_LABELS } from './labels';

type LoadState = {
  key: number;
  view: AllocationViewDto | null;
  /** Entry mode: what batches:entry-allocation returned (the entry's amount and its manual lines). */
  entryView: EntryAllocationViewDto | null;
  error: string | null;
};

/** A batch entry to allocate before submit (the dialog then reads and saves through the batch commands). */
export type EntryAllocationSource = {
  batchId: number;
  entryId: number;
  seq: number;
  status: EntryStatusDto;
  billNo: string | null;
  paymentDate: string | null;
  batchDate: string;
};

type DialogProps =
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

/** The Apply fields of an entry's stored manual lines (bill amounts, or item amounts grouped by their bill). */
function entriesFromManual(ev: EntryAllocationViewDto): Entries {
  const exponent = ev.view.exponent;
  const out: Record<string, BillEntry> = {};
  for (const line of ev.manual) {
    if (line.billNo)
      out[line.billNo] = {
        mode: 'bill',
        billText: formatLocalAmount(line.amountMinor, exponent),
        itemTexts: {},
      };
    else if (line.itemNo) {
      const bill = ev.view.bills.find((b) => b.items.some((i) => i.itemNo === line.itemNo));
      if (!bill) continue;
      const cur = out[bill.billNo];
      out[bill.billNo] = {
        mode: 'items',
        billText: '',
        itemTexts: {
          ...(cur?.itemTexts ?? {}),
          [line.itemNo]: formatLocalAmount(line.amountMinor, exponent),
        },
      };
    }
  }
  return out;
}

/** Alt+letter accelerators of the fill buttons (by physical key, so they work on every layout and OS). */
const FILL_KEYS: readonly { policy: FillPolicy; code: string; letter: string }[] = [
  { policy: 'fifo', code: 'KeyF', letter: 'F' },
  { policy: 'proportional', code: 'KeyP', letter: 'P' },
  { policy: 'bill-number', code: 'KeyB', letter: 'B' },
  { policy: 'largest', code: 'KeyL', letter: 'L' },
];

const billKey = (billNo: string) => `bill:${billNo}`;
const itemKey = (itemNo: string) => `item:${itemNo}`;

/** The helper text of a field with a problem. */
function problemText(check: FieldCheck | undefined, money: MoneyFormatter, currency: string): string | null {
  const p = check?.problem;
  if (!p) return null;
  if (p.kind === 'invalid') return p.reason;
  if (p.kind === 'negative') return 'must not be negative';
  return `more than the ${money(p.openMinor, currency)} open`;
}

/** The user-facing text of a failed save; a stale token gets its own explanation. */
function saveErrorText(error: AppError): string {
  if (error.code === 'conflict' && error.rule === 'stale') {
    return 'Someone else allocated on this account since you opened this dialog, so the open amounts shown here may be out of date. Reload to see the current figures, then allocate again.';
  }
  return error.message;
}

/**
 * Allocate payment: the payment's unallocated credit against the account's open bills, entered per bill or per
 * item, filled by a policy (computed here, never posted until Save) and saved with the view's stale-data token.
 * Given a batch `entry` instead of a posted payment, it allocates the entry before submit: it reads the entry's
 * amount and manual lines with batches:entry-allocation and saves them with batches:allocate-entry (bill lines in a
 * bill-level batch; item lines in an item-level one, V2), and shows "required" vs "suggested" as Payment Tool does.
 * Keyboard: focus starts in the first Apply field; ↑/↓ and Enter move between fields; Alt+→/← show or hide a
 * bill's items; Alt+F/P/B/L fill by policy; Alt+C clears; Ctrl+Enter saves; Escape closes.
 */
export function AllocatePaymentDialog(props: { onClose: () => void } & DialogProps) {
  const { paymentId, entry, onClose } = props;
  const entryBatchId = entry?.batchId;
  const entryId = entry?.entryId;
  const { money } = useAppInfo();
  const [loadKey, setLoadKey] = useState(0);
  const [load, setLoad] = useState<LoadState>({ key: -1, view: null, entryView: null, error: null });
  const [entries, setEntries] = useState<Entries>({});
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [filledBy, setFilledBy] = useState<FillPolicy | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<AppError | null>(null);
  const fieldRefs = useRef(new Map<string, HTMLInputElement>());
  const focusedBill = useRef<string | null>(null);
  const focusFirst = useRef(true);
  const saveRef = useRef<HTMLButtonElement>(null);
  const creditRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    let stale = false;
    const loaded = (view: AllocationViewDto, entryView: EntryAllocationViewDto | null) => {
      if (stale) return;
      setLoad({ key: loadKey, view, entryView, error: null });
      const manual = entryView ? entriesFromManual(entryView) : {};
      setEntries(manual);
      setExpanded(
        new Set(
          Object.entries(manual)
            .filter(([, e]) => e.mode === 'items')
            .map(([b]) => b),
        ),
      );
      setFilledBy(null);
      focusFirst.current = true;
    };
    const failed = (err: unknown) =>
      !stale && setLoad({ key: loadKey, view: null, entryView: null, error: errorMessage(err) });
    if (entryBatchId !== undefined && entryId !== undefined)
      call('batches:entry-allocation', { batchId: entryBatchId, entryId }).then(
        (ev) => loaded(ev.view, ev),
        failed,
      );
    else if (paymentId !== undefined)
      call('allocation:view', { paymentId }).then((v) => loaded(v, null), failed);
    return () => {
      stale = true;
    };
  }, [paymentId, entryBatchId, entryId, loadKey]);

  const view = load.view;
  const entryView = load.entryView;
  const loading = load.key !== loadKey;
  // An entry is not posted yet: the whole of its amount (in the account currency) is there to allocate.
  const payment: AllocPaymentDto | undefined =
    entry && entryView && view
      ? {
          paymentId: 0,
          effectiveDate: entry.paymentDate ?? entry.batchDate,
          amountMinor: entryView.amountMinor,
          currency: view.currency,
          accountAmountMinor: entryView.amountMinor,
          allocatedMinor: 0,
          unallocatedMinor: entryView.amountMinor,
          externalRef: entry.billNo,
          reversed: false,
        }
      : view?.payments[0];
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

  // The Apply fields in screen order: each payable bill, then its items when it is expanded.
  const order = useMemo(
    () =>
      bills
        .filter((b) => b.payable)
        .flatMap((b) => [
          billKey(b.billNo),
          ...(expanded.has(b.billNo) ? b.items.map((i) => itemKey(i.itemNo)) : []),
        ]),
    [bills, expanded],
  );
  const billOfItem = useMemo(
    () => new Map(bills.flatMap((b) => b.items.map((i) => [i.itemNo, b.billNo] as const))),
    [bills],
  );

  useEffect(() => {
    if (!view || !focusFirst.current) return;
    focusFirst.current = false;
    const first = order[0];
    if (first) fieldRefs.current.get(first)?.focus();
  }, [view, order]);

  const edited = () => {
    setFilledBy(null);
    setNotice(null);
    setSaveError((e) => (e?.code === 'conflict' && e.rule === 'stale' ? e : null));
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
    let hint: string | null = null;
    let why = '';
    if (policy === 'bill-number') {
      // The view does not carry the payment's own bill number; its reference (an entry's bill number) often names it.
      const ref = payment.externalRef?.trim().toUpperCase() ?? '';
      const byRef = bills.find((b) => b.payable && ref !== '' && b.billNo.toUpperCase() === ref);
      hint = byRef?.billNo ?? focusedBill.current;
      why = byRef
        ? entry
          ? 'the bill number of the entry'
          : 'named in the payment reference'
        : 'the bill in focus';
    }
    const plan = planFill(payment.unallocatedMinor, bills, policy, hint);
    if (!plan) {
      setNotice('By bill number fills one bill: put the cursor in that bill’s Apply field first.');
      return;
    }
    let next = entriesFromFill(bills, plan, exponent);
    if (billLevelEntry) {
      // Bill-level batch: a fill that picks single items becomes what it adds up to per bill.
      next = Object.fromEntries(
        Object.entries(next).map(([billNo, e]) => {
          const sum =
            e.mode === 'bill'
              ? e.billText
              : formatLocalAmount(
                  (bills.find((b) => b.billNo === billNo)?.items ?? []).reduce(
                    (t, i) => t + (plan.get(i.itemNo) ?? 0),
                    0,
                  ),
                  exponent,
                );
          return [billNo, { mode: 'bill', billText: sum, itemTexts: {} } satisfies BillEntry];
        }),
      );
    }
    setEntries(next);
    setFilledBy(Object.keys(next).length > 0 ? policy : null);
    setSaveError(null);
    setNotice(policy === 'bill-number' && hint ? `Filled bill ${hint} (${why}).` : null);
    const itemBills = Object.entries(next)
      .filter(([, e]) => e.mode === 'items')
      .map(([b]) => b);
    if (itemBills.length > 0) setExpanded((s) => new Set([...s, ...itemBills]));
  };

  const clear = () => {
    setEntries({});
    setFilledBy(null);
    setNotice(null);
    setSaveError(null);
  };

  /** Entry mode: the lines as the batch's level takes them (an item-level batch gets bill amounts spread over items). */
  const entryLines = () => {
    if (entryView?.allocationLevel === 'bill') return { bills: check.lines.bills };
    const items = [...check.lines.items];
    for (const l of check.lines.bills) {
      const bill = bills.find((b) => b.billNo === l.billNo);
      const c = check.bills.get(l.billNo);
      if (!bill || !c) continue;
      for (const [itemNo, a] of spreadOverItems(bill, c.amountMinor))
        items.push({ itemNo, amount: formatMinor(a, exponent) });
    }
    return { items };
  };

  const saveEntry = async (clearIt: boolean) => {
    if (!entry || !props.onEntrySaved) return;
    setSaving(true);
    setSaveError(null);
    try {
      const v = await call('batches:allocate-entry', {
        batchId: entry.batchId,
        entryId: entry.entryId,
        ...(clearIt ? {} : entryLines()),
      });
      props.onEntrySaved(v);
    } catch (err) {
      setSaveError(
        err instanceof ApiCallError
          ? err.error
          : { code: 'internal', message: errorMessage(err), correlationId: 'renderer' },
      );
    } finally {
      setSaving(false);
    }
  };

  const submit = async () => {
    if (!view || !canSubmit) return;
    if (entry) return saveEntry(false);
    if (paymentId === undefined || !props.onSaved) return;
    setSaving(true);
    setSaveError(null);
    try {
      const result = await call('allocation:apply', {
        paymentId,
        ...(check.lines.bills.length > 0 ? { bills: check.lines.bills } : {}),
        ...(check.lines.items.length > 0 ? { items: check.lines.items } : {}),
        token: view.token,
      });
      props.onSaved(result);
    } catch (err) {
      setSaveError(
        err instanceof ApiCallError
          ? err.error
          : { code: 'internal', message: errorMessage(err), correlationId: 'renderer' },
      );
    } finally {
      setSaving(false);
    }
  };

  const focusKey = (key: string | undefined) => {
    const el = key ? fieldRefs.current.get(key) : undefined;
    el?.focus();
    return el !== undefined;
  };

  const onFieldKeyDown = (e: KeyboardEvent<HTMLInputElement>, key: string, billNo: string) => {
    if (e.ctrlKey || e.metaKey) return;
    const at = order.indexOf(key);
    if (e.key === 'ArrowDown' || (e.key === 'Enter' && !e.altKey && !e.shiftKey)) {
      e.preventDefault();
      if (at < order.length - 1) focusKey(order[at + 1]);
      else if (e.key === 'Enter') (canSave ? saveRef : creditRef).current?.focus();
    } else if (e.key === 'ArrowUp' || (e.key === 'Enter' && e.shiftKey)) {
      e.preventDefault();
      if (at > 0) focusKey(order[at - 1]);
    } else if (e.altKey && e.key === 'ArrowRight') {
      e.preventDefault();
      toggle(billNo, true);
    } else if (e.altKey && e.key === 'ArrowLeft') {
      e.preventDefault();
      toggle(billNo, false);
      focusKey(billKey(billNo));
    }
  };

  const onDialogKeyDown = (e: KeyboardEvent<HTMLElement>) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
      e.preventDefault();
      void submit();
      return;
    }
    if (!e.altKey || e.ctrlKey || e.metaKey) return;
    const f = FILL_KEYS.find((k) => k.code === e.code);
    if (f) {
      e.preventDefault();
      fill(f.policy);
    } else if (e.code === 'KeyC') {
      e.preventDefault();
      clear();
    }
  };

  const registerField = (key: string) => (el: HTMLInputElement | null) => {
    if (el) fieldRefs.current.set(key, el);
    else fieldRefs.current.delete(key);
  };

  const stateChip = (() => {
    if (!payment) return null;
    if (entry) {
      // Payment Tool's status bar: "required" must be allocated before submit, "suggested" is a recommendation.
      if (check.totalMinor > 0 && check.remainderMinor === 0 && !check.hasProblem)
        return { label: 'Fully allocated by hand', color: 'success' as const };
      if (entry.status === 'allocation_required')
        return { label: 'Payment allocation required', color: 'error' as const };
      if (entry.status === 'allocation_suggested' && !filledBy)
        return { label: 'Allocation suggested', color: 'info' as const };
      if (!filledBy) return { label: 'Allocated by policy on submit', color: 'default' as const };
    }
    if (filledBy && check.totalMinor > 0)
      return { label: `Allocation suggested · ${FILL_POLICY_LABELS[filledBy]}`, color: 'info' as const };
    if (payment.reversed) return { label: 'Reversed', color: 'default' as const };
    if (payment.unallocatedMinor === 0) return { label: 'Fully allocated', color: 'success' as const };
    return {
      label: `Unallocated credit ${money(payment.unallocatedMinor, currency, true)}`,
      color: 'warning' as const,
    };
  })();

  const remainder = check.remainderMinor;
  const remainderHint =
    remainder < 0
      ? `Over-allocated by ${money(-remainder, currency, true)}: lower the Apply amounts.`
      : remainder === 0
        ? lineCount > 0
          ? 'The payment will be fully allocated.'
          : ''
        : lineCount > 0
          ? `${money(remainder, currency, true)} stays on the account as unallocated credit.`
          : 'Type amounts in the Apply column, or fill them by a policy.';

  return (
    <Dialog
      open
      onClose={saving ? undefined : onClose}
      maxWidth="md"
      fullWidth
      aria-labelledby="allocate-title"
      data-testid="allocate-dialog"
      data-token={view?.token ?? ''}
      onKeyDown={onDialogKeyDown}
    >
      <DialogTitle id="allocate-title" sx={{ display: 'flex', alignItems: 'center', gap: 1.5, pb: 1 }}>
        <Box component="span" sx={{ flex: 1 }}>
          {entry ? `Allocate entry #${entry.seq}` : `Allocate payment #${paymentId}`}
          {view && (
            <Typography component="span" color="textSecondary" sx={{ ml: 1 }}>
              {view.accountNo} · {view.accountName}
            </Typography>
          )}
        </Box>
        {stateChip && (
          <Chip
            size="small"
            label={stateChip.label}
            color={stateChip.color}
            variant={stateChip.color === 'info' || stateChip.color === 'error' ? 'filled' : 'outlined'}
            data-testid="allocation-state"
            data-entry-status={entry?.status ?? ''}
          />
        )}
      </DialogTitle>
      <LinearProgress sx={{ height: 2, visibility: loading || saving ? 'visible' : 'hidden' }} aria-hidden />
      <DialogContent sx={{ pt: 1 }}>
        {load.error && !loading && (
          <Alert
            severity="error"
            action={
              <Button color="inherit" size="small" onClick={() => setLoadKey((k) => k + 1)}>
                Retry
              </Button>
            }
          >
            {load.error}
          </Alert>
        )}
        {view && payment && (
          <>
            <Box
              sx={{ display: 'grid', gridTemplateColumns: 'repeat(6, minmax(0, auto))', gap: 3, mb: 2 }}
              data-testid="allocate-payment-facts"
            >
              <Fact label="Date">{payment.effectiveDate}</Fact>
              <Fact label="Reference">{payment.externalRef ?? '—'}</Fact>
              <Fact label="Amount" testId="allocate-amount">
                {money(payment.amountMinor, payment.currency, true)}
              </Fact>
              <Fact label="Allocated" testId="allocate-allocated">
                {money(payment.allocatedMinor, currency, true)}
              </Fact>
              <Fact label="Unallocated" testId="allocate-unallocated">
                {money(payment.unallocatedMinor, currency, true)}
              </Fact>
              <Fact label="Open on account">{money(view.openMinor, currency, true)}</Fact>
            </Box>
            <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap', mb: 1 }}>
              <Typography variant="body2" color="textSecondary" sx={{ mr: 0.5 }}>
                Fill by
              </Typography>
              {FILL_KEYS.map((k) => (
                <Tooltip key={k.policy} title={`Alt+${k.letter}`} enterDelay={500}>
                  <span>
                    <Button
                      size="small"
                      variant={filledBy === k.policy ? 'contained' : 'outlined'}
                      onClick={() => fill(k.policy)}
                      disabled={unallocatedMinor <= 0 || saving}
                      data-testid={`fill-${k.policy}`}
                    >
                      {FILL_POLICY_LABELS[k.policy]}
                    </Button>
                  </span>
                </Tooltip>
              ))}
              <Tooltip title="Alt+C" enterDelay={500}>
                <span>
                  <Button
                    size="small"
                    onClick={clear}
                    disabled={saving || Object.keys(entries).length === 0}
                    data-testid="fill-clear"
                  >
                    Clear
                  </Button>
                </span>
              </Tooltip>
              <Typography variant="caption" color="textSecondary" sx={{ ml: 'auto' }}>
                ↑/↓ or Enter move · Alt+→/← items · Ctrl+Enter save · Esc close
              </Typography>
            </Box>
            {notice && (
              <Alert severity="info" sx={{ mb: 1, py: 0 }} data-testid="allocate-notice">
                {notice}
              </Alert>
            )}
            {bills.length === 0 ? (
              <Typography color="textSecondary" sx={{ py: 3, textAlign: 'center' }}>
                This account has no open bills: the payment stays as account credit.
              </Typography>
            ) : (
              <TableContainer sx={{ border: 1, borderColor: 'divider', borderRadius: 1 }}>
                <Table size="small" aria-label="Open bills to allocate to">
                  <TableHead>
                    <TableRow>
                      <TableCell padding="checkbox" />
                      <TableCell>Bill / item</TableCell>
                      <TableCell>Due date</TableCell>
                      <TableCell align="right">Total</TableCell>
                      <TableCell align="right">Open</TableCell>
                      <TableCell align="right" sx={{ width: 170 }}>
                        Apply
                      </TableCell>
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {bills.map((b) => {
                      const entry = entries[b.billNo];
                      const bc = check.bills.get(b.billNo);
                      const open = expanded.has(b.billNo) && b.payable;
                      const billProblem = entry?.mode === 'bill' ? problemText(bc, money, currency) : null;
                      const spread =
                        entry?.mode === 'bill' && bc && !bc.problem && bc.amountMinor > 0
                          ? spreadOverItems(b, bc.amountMinor)
                          : null;
                      return (
                        <Fragment key={b.billNo}>
                          <TableRow
                            data-testid={`allocate-bill-${b.billNo}`}
                            sx={{ '& > td': { borderBottom: open ? 'none' : undefined } }}
                          >
                            <TableCell padding="checkbox">
                              {b.payable && !billLevelEntry && (
                                <IconButton
                                  size="small"
                                  tabIndex={-1}
                                  aria-label={
                                    open ? `Hide items of ${b.billNo}` : `Show items of ${b.billNo}`
                                  }
                                  aria-expanded={open}
                                  onClick={() => toggle(b.billNo)}
                                  data-testid={`allocate-expand-${b.billNo}`}
                                >
                                  {open ? (
                                    <KeyboardArrowDownIcon fontSize="small" />
                                  ) : (
                                    <KeyboardArrowRightIcon fontSize="small" />
                                  )}
                                </IconButton>
                              )}
                            </TableCell>
                            <TableCell>
                              <Box component="span" sx={{ fontFamily: 'monospace', fontWeight: 600 }}>
                                {b.billNo}
                              </Box>
                              <Typography variant="caption" color="textSecondary" sx={{ ml: 1 }}>
                                {b.billUnitNo} · {b.items.length} {b.items.length === 1 ? 'item' : 'items'}
                              </Typography>
                            </TableCell>
                            <TableCell>{b.dueDate}</TableCell>
                            <TableCell align="right">{money(b.totalMinor, currency)}</TableCell>
                            <TableCell align="right" sx={{ fontWeight: 500 }}>
                              {money(b.amountDueMinor, currency)}
                            </TableCell>
                            <TableCell align="right" sx={{ py: 0.5 }}>
                              {b.payable ? (
                                <TextField
                                  size="small"
                                  value={billFieldText(entry, bc?.amountMinor ?? 0, exponent)}
                                  onChange={(e) => setBillText(b.billNo, e.target.value)}
                                  onKeyDown={(e) =>
                                    onFieldKeyDown(
                                      e as KeyboardEvent<HTMLInputElement>,
                                      billKey(b.billNo),
                                      b.billNo,
                                    )
                                  }
                                  onFocus={(e) => {
                                    focusedBill.current = b.billNo;
                                    e.target.select();
                                  }}
                                  inputRef={registerField(billKey(b.billNo))}
                                  error={billProblem !== null}
                                  helperText={billProblem}
                                  disabled={unallocatedMinor <= 0}
                                  placeholder="0"
                                  sx={{
                                    width: 150,
                                    '& .MuiFormHelperText-root': { mx: 0, textAlign: 'right' },
                                  }}
                                  slotProps={{
                                    input:
                                      entry?.mode === 'items'
                                        ? {
                                            startAdornment: (
                                              <InputAdornment position="start">
                                                <Tooltip title="Sum of the item amounts">
                                                  <span>Σ</span>
                                                </Tooltip>
                                              </InputAdornment>
                                            ),
                                          }
                                        : {},
                                    htmlInput: {
                                      'data-testid': `apply-bill-${b.billNo}`,
                                      'aria-label': `Apply to bill ${b.billNo}`,
                                      'aria-keyshortcuts': 'Alt+ArrowRight',
                                      inputMode: 'decimal',
                                      autoComplete: 'off',
                                      style: { textAlign: 'right', fontVariantNumeric: 'tabular-nums' },
                                    },
                                  }}
                                />
                              ) : (
                                <Typography variant="caption" color="textSecondary">
                                  Nonpaying bill unit
                                </Typography>
                              )}
                            </TableCell>
                          </TableRow>
                          {open &&
                            b.items.map((it, idx) => {
                              const ic = check.items.get(it.itemNo);
                              const itemProblem =
                                entry?.mode === 'items' ? problemText(ic, money, currency) : null;
                              const last = idx === b.items.length - 1;
                              return (
                                <TableRow
                                  key={it.itemNo}
                                  data-testid={`allocate-item-${it.itemNo}`}
                                  sx={{
                                    bgcolor: 'action.hover',
                                    '& > td': { borderBottom: last ? undefined : 'none' },
                                  }}
                                >
                                  <TableCell padding="checkbox" />
                                  <TableCell sx={{ pl: 4 }}>
                                    <Box component="span" sx={{ fontFamily: 'monospace' }}>
                                      {it.itemNo}
                                    </Box>
                                    <Typography variant="caption" color="textSecondary" sx={{ ml: 1 }}>
                                      {itemTypeName(it.type)}
                                    </Typography>
                                  </TableCell>
                                  <TableCell />
                                  <TableCell align="right">{money(it.amountMinor, currency)}</TableCell>
                                  <TableCell align="right">{money(it.openMinor, currency)}</TableCell>
                                  <TableCell align="right" sx={{ py: 0.25 }}>
                                    <TextField
                                      size="small"
                                      value={
                                        entry?.mode === 'items' ? (entry.itemTexts[it.itemNo] ?? '') : ''
                                      }
                                      onChange={(e) => setItemText(b, it.itemNo, e.target.value)}
                                      onKeyDown={(e) =>
                                        onFieldKeyDown(
                                          e as KeyboardEvent<HTMLInputElement>,
                                          itemKey(it.itemNo),
                                          billOfItem.get(it.itemNo) ?? b.billNo,
                                        )
                                      }
                                      onFocus={(e) => {
                                        focusedBill.current = b.billNo;
                                        e.target.select();
                                      }}
                                      inputRef={registerField(itemKey(it.itemNo))}
                                      error={itemProblem !== null}
                                      helperText={itemProblem}
                                      disabled={unallocatedMinor <= 0}
                                      placeholder={
                                        spread ? formatLocalAmount(spread.get(it.itemNo) ?? 0, exponent) : '0'
                                      }
                                      sx={{
                                        width: 150,
                                        '& .MuiFormHelperText-root': { mx: 0, textAlign: 'right' },
                                        '& .MuiInputBase-input': { py: 0.5 },
                                      }}
                                      slotProps={{
                                        htmlInput: {
                                          'data-testid': `apply-item-${it.itemNo}`,
                                          'aria-label': `Apply to item ${it.itemNo}`,
                                          inputMode: 'decimal',
                                          autoComplete: 'off',
                                          style: { textAlign: 'right', fontVariantNumeric: 'tabular-nums' },
                                        },
                                      }}
                                    />
                                  </TableCell>
                                </TableRow>
                              );
                            })}
                        </Fragment>
                      );
                    })}
                  </TableBody>
                </Table>
              </TableContainer>
            )}
            <Box
              sx={{
                mt: 2,
                display: 'flex',
                alignItems: 'baseline',
                gap: 3,
                flexWrap: 'wrap',
                justifyContent: 'flex-end',
              }}
            >
              <Typography
                variant="body2"
                color={remainder < 0 ? 'error' : 'textSecondary'}
                sx={{ flex: 1, minWidth: 240 }}
                data-testid="allocation-hint"
              >
                {remainderHint}
              </Typography>
              <Typography variant="body2" color="textSecondary">
                Applying{' '}
                <Box
                  component="span"
                  sx={{ color: 'text.primary', fontWeight: 500, fontVariantNumeric: 'tabular-nums' }}
                  data-testid="allocation-applied"
                  data-minor={check.totalMinor}
                >
                  {money(check.totalMinor, currency, true)}
                </Box>
              </Typography>
              <Typography variant="body2" color="textSecondary">
                Remainder{' '}
                <Box
                  component="span"
                  sx={{
                    color: remainder < 0 ? 'error.main' : 'text.primary',
                    fontWeight: 600,
                    fontSize: '1rem',
                    fontVariantNumeric: 'tabular-nums',
                  }}
                  data-testid="allocation-remainder"
                  data-minor={remainder}
                  data-over={remainder < 0}
                >
                  {money(remainder, currency, true)}
                </Box>
              </Typography>
            </Box>
          </>
        )}
        {saveError && (
          <Alert
            severity="error"
            sx={{ mt: 2 }}
            data-testid="allocate-error"
            data-code={saveError.code}
            action={
              saveError.code === 'conflict' && saveError.rule === 'stale' ? (
                <Button
                  color="inherit"
                  size="small"
                  onClick={() => {
                    setSaveError(null);
                    setLoadKey((k) => k + 1);
                  }}
                  data-testid="allocate-reload"
                >
                  Reload
                </Button>
              ) : undefined
            }
          >
            {saveErrorText(saveError)}
          </Alert>
        )}
      </DialogContent>
      <DialogActions sx={{ px: 3, pb: 2 }}>
        <Button onClick={onClose} disabled={saving} data-testid="allocate-cancel">
          Cancel
        </Button>
        {entry && (entryView?.manual.length ?? 0) > 0 && (
          <Button
            color="warning"
            onClick={() => void saveEntry(true)}
            disabled={saving}
            title="Drop the manual lines: validation plans the allocation by policy again"
            data-testid="allocate-entry-clear"
          >
            Clear manual allocation
          </Button>
        )}
        <Button
          ref={creditRef}
          variant="outlined"
          onClick={() => void submit()}
          disabled={!canLeaveCredit}
          data-testid="allocate-leave-credit"
        >
          Leave remainder as account credit
        </Button>
        <Button
          ref={saveRef}
          variant="contained"
          onClick={() => void submit()}
          disabled={!canSave}
          data-testid="allocate-save"
        >
          Save
        </Button>
      </DialogActions>
    </Dialog>
  );
}
