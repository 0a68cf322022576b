import { useCallback, useMemo, useRef, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Divider from '@mui/material/Divider';
import Snackbar from '@mui/material/Snackbar';
import Typography from '@mui/material/Typography';
import RecyclingIcon from '@mui/icons-material/Recycling';
import type {
  SuspenseCandidateDto,
  SuspenseDetailDto,
  SuspenseMoveDto,
  SuspenseSearchDto,
} from '../../../../src-shared/dto/suspense';
import { mayRun } from '../../../../src-shared/api/roles';
import { call, errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { formatCount } from '../../components/format';
import { useApiMutation } from '../../components/query';
import { ApplyDialog } from './ApplyDialog';
import { CodeDialog } from './CodeDialog';
import { DistributeDialog, type TargetDraft } from './DistributeDialog';
import { NoteDialog } from './NoteDialog';
import { RecycleDialog } from './RecycleDialog';
import { EMPTY_FORM, FilterPanel, filtersOf, type FilterForm, type QueueFilters } from './FilterPanel';
import { EntryPanel, parseEntryRef } from './EntryPanel';
import { QueueGrid, type QueueGridHandle } from './QueueGrid';
import { useSuspenseCodes } from './use-codes';
import { WorkPanel, type PanelAction } from './WorkPanel';
import { download } from '../../components/download';
import type { NavigateOptions } from '../../app/use-hash-route';

type Open =
  | { kind: 'apply'; detail: SuspenseDetailDto; accountNo: string; billNo: string }
  | { kind: 'distribute'; detail: SuspenseDetailDto; targets: TargetDraft[] }
  | { kind: 'assign' | 'change-reason'; ids: number[]; detail?: SuspenseDetailDto }
  | { kind: 'note' | 'remove' | 'reverse'; detail: SuspenseDetailDto }
  | { kind: 'recycle' };

// The search survives a visit to another area (the page unmounts while hidden); the open payment is the route's.
let lastForm: FilterForm = EMPTY_FORM;

/** Describes a finished move for the status line. */
function moveText(m: SuspenseMoveDto): string {
  const parts = [`${m.action} done for payment ${m.paymentIds.join(', ')}`];
  if (m.posted.length) parts.push(`posted to ${m.posted.map((p) => p.accountNo).join(', ')}`);
  if (m.suspended.length)
    parts.push(`in suspense now: payment ${m.suspended.map((s) => s.paymentId).join(', ')}`);
  return parts.join('; ');
}

/**
 * The Payment Center: a work queue of suspended payments with a filter column, the result grid and a work panel.
 * The route's item is the open payment (`#/suspense/<paymentId>`), or an entry reference
 * (`#/suspense/entry:<batch>:<entry>`, from Payment Tool) whose entry the panel corrects.
 */
export function SuspensePage({
  item,
  onItem,
}: {
  item: string | null;
  onItem: (item: string | null, options?: NavigateOptions) => void;
}) {
  const entry = parseEntryRef(item);
  const { info, money } = useAppInfo();
  const codes = useSuspenseCodes();
  const [form, setForm] = useState<FilterForm>(lastForm);
  const [filters, setFilters] = useState<QueueFilters>(() => {
    const f = filtersOf(lastForm);
    return 'filters' in f ? f.filters : {};
  });
  const [totals, setTotals] = useState<SuspenseSearchDto | null>(null);
  const selectedId = item !== null && /^\d+$/.test(item) ? Number(item) : null;
  const [selection, setSelection] = useState<number[]>([]);
  const [open, setOpen] = useState<Open | null>(null);
  // Moves go through the shared cache's mutations: on success every read (queue, counts, work panel) reads again.
  const assign = useApiMutation('suspense:assign');
  const changeReason = useApiMutation('suspense:change-reason');
  const remove = useApiMutation('suspense:remove');
  const reverse = useApiMutation('suspense:reverse');
  const [message, setMessage] = useState<{ severity: 'success' | 'error'; text: string } | null>(null);
  const grid = useRef<QueueGridHandle>(null);
  const roles = info?.operator.roles ?? [];
  const mayChange = mayRun(roles, 'suspense:apply');
  const currencies = useMemo(() => (info?.currencies ?? []).map((c) => c.code), [info]);

  const changeForm = useCallback((next: FilterForm) => {
    lastForm = next;
    setForm(next);
    const parsed = filtersOf(next);
    if ('filters' in parsed) setFilters(parsed.filters);
  }, []);
  const select = useCallback(
    (id: number | null, options?: NavigateOptions) => onItem(id === null ? null : String(id), options),
    [onItem],
  );
  const done = (m: SuspenseMoveDto): void => {
    setOpen(null);
    setMessage({ severity: 'success', text: moveText(m) });
    grid.current?.clearSelection();
    // The work panel follows the money: a remainder, a recycled payment or the replacement of an edit.
    const next = m.suspended.length === 1 ? m.suspended[0]?.paymentId : undefined;
    // The payment it replaces is gone from the queue, so the step replaces it in the history too.
    if (next !== undefined) select(next, { replace: true });
  };

  const onAction = (action: PanelAction, detail: SuspenseDetailDto): void => {
    if (action === 'apply')
      setOpen({
        kind: 'apply',
        detail,
        accountNo: detail.payment?.accountHint ?? '',
        billNo: detail.payment?.billNo ?? '',
      });
    else if (action === 'distribute') setOpen({ kind: 'distribute', detail, targets: [] });
    else if (action === 'assign' || action === 'change-reason')
      setOpen({ kind: action, ids: [detail.subject.paymentId], detail });
    else setOpen({ kind: action, detail });
  };

  const addToDistribution = (detail: SuspenseDetailDto, c: SuspenseCandidateDto): void =>
    setOpen({
      kind: 'distribute',
      detail,
      targets: [{ accountNo: c.accountNo, billNo: c.billNo ?? '', amount: '' }],
    });

  const exportSelection = async (): Promise<void> => {
    try {
      const out = await call('suspense:export', { paymentIds: selection });
      download(`suspense-${new Date().toISOString().slice(0, 10)}.csv`, 'text/csv', out.csv);
      setMessage({ severity: 'success', text: `Exported ${out.rows} payments` });
    } catch (err) {
      setMessage({ severity: 'error', text: errorMessage(err) });
    }
  };

  const toggleAge = (bucket: string): void =>
    changeForm({
      ...form,
      ageBucket: form.ageBucket.includes(bucket)
        ? form.ageBucket.filter((b) => b !== bucket)
        : [...form.ageBucket, bucket],
    });
  const toggleOwner = (owner: number | null): void => {
    const value = owner === null ? 'none' : String(owner);
    changeForm({ ...form, owner: form.owner === value ? '' : value });
  };

  return (
    <Box sx={{ height: '100%', display: 'flex', minHeight: 0 }} data-testid="suspense-page">
      <FilterPanel form={form} onChange={changeForm} codes={codes} currencies={currencies} />
      <Divider orientation="vertical" flexItem />
      <Box sx={{ flex: 1, minWidth: 0, display: 'flex', flexDirection: 'column', p: 1.5, gap: 1 }}>
        <Box
          sx={{ display: 'flex', alignItems: 'center', gap: 2, flexWrap: 'wrap' }}
          data-testid="suspense-counts"
        >
          <Box>
            <Typography variant="h6" data-testid="suspense-total">
              {totals
                ? `${totals.totalExact ? '' : 'at least '}${formatCount(totals.total)} ${totals.total === 1 ? 'payment' : 'payments'}`
                : '…'}
            </Typography>
            {totals && !totals.totalExact && (
              <Typography
                variant="caption"
                color="warning.main"
                sx={{ display: 'block' }}
                data-testid="suspense-total-bound"
              >
                The text matches too many payments to count in time: counts are lower bounds. Add a filter for
                exact counts.
              </Typography>
            )}
            <Typography variant="caption" color="textSecondary" data-testid="suspense-amounts">
              {totals?.totalsByCurrency.map((t) => money(t.amountMinor, t.currency, true)).join(' · ') || '—'}
            </Typography>
          </Box>
          <Box sx={{ display: 'flex', gap: 0.5, alignItems: 'center', flexWrap: 'wrap' }}>
            <Typography variant="caption" color="textSecondary" sx={{ mr: 0.5 }}>
              Days
            </Typography>
            {totals?.byAge.map((b) => (
              <Chip
                key={b.bucket}
                size="small"
                label={`${b.bucket}: ${formatCount(b.count)}`}
                color={
                  form.ageBucket.includes(b.bucket)
                    ? 'primary'
                    : b.bucket === '90+' && b.count > 0
                      ? 'warning'
                      : 'default'
                }
                variant={form.ageBucket.includes(b.bucket) ? 'filled' : 'outlined'}
                onClick={() => toggleAge(b.bucket)}
                data-testid={`age-${b.bucket}`}
              />
            ))}
          </Box>
          <Box sx={{ display: 'flex', gap: 0.5, alignItems: 'center', flexWrap: 'wrap' }}>
            <Typography variant="caption" color="textSecondary" sx={{ mr: 0.5 }}>
              Owners
            </Typography>
            {totals?.byOwner.slice(0, 6).map((o) => (
              <Chip
                key={o.owner ?? 'none'}
                size="small"
                label={`${o.label ?? 'Unassigned'}: ${formatCount(o.count)}`}
                variant={form.owner === (o.owner === null ? 'none' : String(o.owner)) ? 'filled' : 'outlined'}
                color={form.owner === (o.owner === null ? 'none' : String(o.owner)) ? 'primary' : 'default'}
                onClick={() => toggleOwner(o.owner)}
                data-testid={`owner-${o.owner ?? 'none'}`}
              />
            ))}
          </Box>
          <Box sx={{ flex: 1 }} />
          {mayChange && (
            <Button
              startIcon={<RecyclingIcon />}
              onClick={() => setOpen({ kind: 'recycle' })}
              data-testid="recycle-open"
            >
              Recycle a payment
            </Button>
          )}
        </Box>
        {selection.length > 0 && (
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }} data-testid="bulk-bar">
            <Typography variant="body2">{selection.length} selected</Typography>
            {mayChange && (
              <>
                <Button
                  size="small"
                  variant="outlined"
                  onClick={() => setOpen({ kind: 'assign', ids: selection })}
                  data-testid="bulk-assign"
                >
                  Assign owner
                </Button>
                <Button
                  size="small"
                  variant="outlined"
                  onClick={() => setOpen({ kind: 'change-reason', ids: selection })}
                >
                  Change reason
                </Button>
              </>
            )}
            <Button
              size="small"
              variant="outlined"
              onClick={() => void exportSelection()}
              data-testid="bulk-export"
            >
              Export CSV
            </Button>
          </Box>
        )}
        <QueueGrid
          filters={filters}
          selectedId={selectedId}
          onSelect={select}
          onSelection={setSelection}
          onTotals={setTotals}
          onError={(text) => setMessage({ severity: 'error', text })}
          handleRef={grid}
        />
      </Box>
      <Divider orientation="vertical" flexItem />
      <Box sx={{ width: 380, flexShrink: 0, display: 'flex', flexDirection: 'column', minHeight: 0 }}>
        {entry ? (
          <EntryPanel batchId={entry.batchId} entryId={entry.entryId} />
        ) : selectedId === null ? (
          <Box sx={{ p: 3 }}>
            <Typography variant="body2" color="textSecondary">
              Pick a payment in the list to see its details, its history and the accounts it may belong to.
            </Typography>
          </Box>
        ) : (
          <WorkPanel
            paymentId={selectedId}
            onAction={onAction}
            onApplyCandidate={(detail, c) =>
              setOpen({ kind: 'apply', detail, accountNo: c.accountNo, billNo: c.billNo ?? '' })
            }
            onDistributeCandidate={addToDistribution}
            onOpenPayment={select}
          />
        )}
      </Box>

      {open?.kind === 'apply' && (
        <ApplyDialog
          detail={open.detail}
          initial={{ accountNo: open.accountNo, billNo: open.billNo }}
          onClose={() => setOpen(null)}
          onDone={done}
        />
      )}
      {open?.kind === 'distribute' && (
        <DistributeDialog
          detail={open.detail}
          initial={open.targets}
          onClose={() => setOpen(null)}
          onDone={done}
        />
      )}
      {open?.kind === 'note' && (
        <NoteDialog detail={open.detail} onClose={() => setOpen(null)} onDone={() => setOpen(null)} />
      )}
      {open?.kind === 'assign' && (
        <CodeDialog
          title={`Assign ${open.ids.length === 1 ? `payment ${open.ids[0]}` : `${open.ids.length} payments`}`}
          testId="assign-dialog"
          text="Who must act on it. The owner can be changed until the payment leaves suspense."
          label="Action owner"
          confirm="Assign"
          codes={codes.owners}
          allowNone="Unassigned"
          initial={open.detail?.payment?.actionOwner ? String(open.detail.payment.actionOwner) : ''}
          onClose={() => setOpen(null)}
          onConfirm={async (owner) => done(await assign.run({ paymentIds: open.ids, owner }))}
        />
      )}
      {open?.kind === 'change-reason' && (
        <CodeDialog
          title={`Change the reason of ${open.ids.length === 1 ? `payment ${open.ids[0]}` : `${open.ids.length} payments`}`}
          testId="reason-dialog"
          text="Changing a property replaces each suspended payment by a new one with the new reason (same amount, owner and age)."
          label="Suspense reason"
          confirm="Change reason"
          codes={codes.reasons}
          onClose={() => setOpen(null)}
          onConfirm={async (code) =>
            done(await changeReason.run({ paymentIds: open.ids, reasonCode: code ?? 0 }))
          }
        />
      )}
      {open?.kind === 'remove' && (
        <CodeDialog
          title="Remove as unallocatable"
          testId="remove-dialog"
          danger
          text={
            <Alert severity="warning">
              Payment {open.detail.subject.paymentId} (
              {money(open.detail.subject.amountMinor, open.detail.subject.currency, true)}) leaves suspense
              for good (G/L 112). This cannot be undone, and its case can no longer be reversed.
            </Alert>
          }
          label="Reversal reason"
          confirm="Remove"
          codes={codes.reversalReasons.filter((c) => c.glId === 112)}
          onClose={() => setOpen(null)}
          onConfirm={async (code) =>
            done(
              await remove.run({
                paymentId: open.detail.subject.paymentId,
                reasonCode: code ?? 0,
              }),
            )
          }
        />
      )}
      {open?.kind === 'reverse' && (
        <CodeDialog
          title="Reverse the payment"
          testId="reverse-dialog"
          danger
          text={
            <Alert severity="warning">
              Every payment this one was applied to is reversed first, then what is left in suspense. The
              money goes back to the payer.
            </Alert>
          }
          label="Reversal reason"
          confirm="Reverse"
          codes={codes.paymentReversalReasons}
          onClose={() => setOpen(null)}
          onConfirm={async (code) =>
            done(
              await reverse.run({
                paymentId: open.detail.subject.paymentId,
                reasonCode: code ?? 0,
              }),
            )
          }
        />
      )}
      {open?.kind === 'recycle' && (
        <RecycleDialog codes={codes.reversalReasons} onClose={() => setOpen(null)} onDone={done} />
      )}
      <Snackbar
        open={message !== null}
        autoHideDuration={message?.severity === 'error' ? null : 5000}
        onClose={() => setMessage(null)}
        anchorOrigin={{ vertical: 'bottom', horizontal: 'center' }}
      >
        {message ? (
          <Alert severity={message.severity} onClose={() => setMessage(null)} data-testid="suspense-message">
            {message.text}
          </Alert>
        ) : undefined}
      </Snackbar>
    </Box>
  );
}
