import { useEffect, useRef } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Divider from '@mui/material/Divider';
import LinearProgress from '@mui/material/LinearProgress';
import Paper from '@mui/material/Paper';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import type { SuspenseCandidateDto, SuspenseDetailDto } from '../../../../src-shared/dto/suspense';
import { useAppInfo } from '../../app/app-info';
import { formatDate, formatTimestamp } from '../../components/format';
import { useApiQuery } from '../../components/query';
import { usePaymentTimeline } from '../../components/PaymentTimelineDialog';
import { ACTION_LABELS, MOVE_LABELS, STATE_LABELS, STATE_TONES } from './labels';
import { useShortcuts } from '../../components/shortcuts';

/** The moves the work panel offers, in button order. */
export type PanelAction = 'apply' | 'distribute' | 'assign' | 'note' | 'change-reason' | 'remove' | 'reverse';

const BUTTONS: PanelAction[] = [
  'apply',
  'distribute',
  'assign',
  'note',
  'change-reason',
  'remove',
  'reverse',
];

/** Alt+key shortcuts of the actions (Alt+1…6 stay with the area navigation). Remove and reverse have none on purpose. */
const SHORTCUTS: Partial<Record<PanelAction, string>> = {
  apply: 'a',
  distribute: 'd',
  assign: 'o',
  note: 'n',
  'change-reason': 'e',
};

const SHORTCUT_LABELS: Partial<Record<PanelAction, string>> = {
  apply: 'Apply the payment to an account or bill',
  distribute: 'Distribute over several accounts or bills',
  assign: 'Assign the action owner',
  note: 'Add a note',
  'change-reason': 'Change the suspense reason',
};

function Field({ label, value }: { label: string; value: string | number | null | undefined }) {
  return (
    <Box sx={{ display: 'flex', gap: 1, minWidth: 0 }}>
      <Typography variant="caption" color="textSecondary" sx={{ width: 104, flexShrink: 0 }}>
        {label}
      </Typography>
      <Typography variant="body2" noWrap title={value === null || value === undefined ? '' : String(value)}>
        {value === null || value === undefined || value === '' ? '—' : value}
      </Typography>
    </Box>
  );
}

function CandidateCard({
  c,
  canApply,
  onApply,
  onDistribute,
}: {
  c: SuspenseCandidateDto;
  canApply: boolean;
  onApply: () => void;
  onDistribute: () => void;
}) {
  const { money } = useAppInfo();
  return (
    <Paper
      variant="outlined"
      sx={{ p: 1, display: 'flex', flexDirection: 'column', gap: 0.5 }}
      data-testid="candidate"
    >
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
        <Chip
          size="small"
          label={c.score}
          color={c.score >= 85 ? 'success' : c.score >= 60 ? 'primary' : 'default'}
          data-testid="candidate-score"
        />
        <Typography variant="subtitle2" noWrap sx={{ flex: 1 }}>
          {c.accountNo}
          {c.billNo ? ` / ${c.billNo}` : ''} · {c.accountName}
        </Typography>
      </Box>
      {c.amountDueMinor !== null && (
        <Typography variant="caption" color="textSecondary">
          Bill due {formatDate(c.dueDate)} · {money(c.amountDueMinor, c.accountCurrency, true)}
          {c.accountStatus !== 'active' ? ` · account ${c.accountStatus}` : ''}
        </Typography>
      )}
      <Box component="ul" sx={{ m: 0, pl: 2.5 }} data-testid="candidate-reasons">
        {c.reasons.map((r) => (
          <Typography component="li" variant="caption" key={r}>
            {r}
          </Typography>
        ))}
      </Box>
      <Box sx={{ display: 'flex', gap: 1 }}>
        <Button size="small" disabled={!canApply} onClick={onApply} data-testid="candidate-apply">
          Apply here
        </Button>
        <Button size="small" disabled={!canApply} onClick={onDistribute}>
          Add to distribution
        </Button>
      </Box>
    </Paper>
  );
}

/** The work panel of the selected payment: details, actions, matcher candidates and the case timeline. */
export function WorkPanel({
  paymentId,
  onAction,
  onApplyCandidate,
  onDistributeCandidate,
  onOpenPayment,
}: {
  paymentId: number;
  onAction: (action: PanelAction, detail: SuspenseDetailDto) => void;
  onApplyCandidate: (detail: SuspenseDetailDto, c: SuspenseCandidateDto) => void;
  onDistributeCandidate: (detail: SuspenseDetailDto, c: SuspenseCandidateDto) => void;
  onOpenPayment: (paymentId: number) => void;
}) {
  const { money } = useAppInfo();
  // Both reads follow the ledger (a move, another window's change), so the panel shows the payment as it is now.
  const show = useApiQuery('suspense:show', { paymentId });
  const detail = show.data;
  const active = detail?.active === true;
  const found = useApiQuery('suspense:candidates', { paymentId }, { enabled: active });
  const candidates = active ? found.data : undefined;
  const error = show.error ?? (active ? found.error : null);
  const timeline = usePaymentTimeline();

  useShortcuts(
    'Payment Center',
    (Object.keys(SHORTCUTS) as PanelAction[]).map((a) => ({
      keys: `Alt+${SHORTCUTS[a]?.toUpperCase() ?? ''}`,
      label: SHORTCUT_LABELS[a] ?? a,
      enabled: detail?.allowed.find((x) => x.action === a)?.ok ?? false,
    })),
  );
  const latest = useRef({ detail, onAction });
  useEffect(() => {
    latest.current = { detail, onAction };
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const d = latest.current.detail;
      if (!e.altKey || e.ctrlKey || e.metaKey || !d || document.querySelector('[role="dialog"]')) return;
      const action = (Object.keys(SHORTCUTS) as PanelAction[]).find(
        (a) => SHORTCUTS[a] === e.key.toLowerCase(),
      );
      if (!action || !d.allowed.find((x) => x.action === action)?.ok) return;
      e.preventDefault();
      latest.current.onAction(action, d);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (!detail || detail.subject.paymentId !== paymentId)
    return (
      <Box sx={{ p: 2 }}>
        {error ? <Alert severity="error">{error}</Alert> : <LinearProgress aria-label="Loading payment" />}
      </Box>
    );
  const p = detail.payment;
  const s = detail.subject;
  const allowed = new Map(detail.allowed.map((a) => [a.action, a]));
  const canApply = allowed.get('apply')?.ok === true;
  return (
    <Box
      sx={{ p: 1.5, display: 'flex', flexDirection: 'column', gap: 1.25, overflowY: 'auto' }}
      data-testid="work-panel"
      data-payment-id={paymentId}
    >
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
        <Typography variant="h6" data-testid="work-amount">
          {money(s.amountMinor, s.currency, true)}
        </Typography>
        {p && (
          <Chip
            size="small"
            color={STATE_TONES[p.state]}
            label={STATE_LABELS[p.state]}
            data-testid="work-state"
          />
        )}
        {p?.failed && <Chip size="small" color="error" label="Failed" />}
        <Box sx={{ flex: 1 }} />
        <Typography variant="caption" color="textSecondary">
          Payment {s.paymentId}
        </Typography>
        <Button size="small" onClick={() => timeline.open(s.paymentId)} data-testid="work-timeline">
          Timeline
        </Button>
        {timeline.dialog}
      </Box>
      {p ? (
        <Box sx={{ display: 'flex', flexDirection: 'column', gap: 0.25 }}>
          <Field label="Payer" value={p.payerName} />
          <Field label="Reference" value={p.externalRef} />
          <Field label="Account tried" value={p.accountHint} />
          <Field label="Bill tried" value={p.billNo} />
          <Field label="Received" value={formatDate(p.effectiveDate)} />
          <Field label="In suspense" value={`${p.ageDays} days (since ${formatDate(p.enteredOn)})`} />
          <Field label="Reason" value={`${p.reasonCode} ${p.reasonLabel ?? ''}`} />
          <Field label="Owner" value={p.ownerLabel} />
          <Field label="Batch / lockbox" value={`${p.batchId ?? '—'} / ${p.lockboxNo ?? '—'}`} />
        </Box>
      ) : (
        <Typography variant="body2">
          {s.kind} payment on account {s.accountNo}
          {s.reversed ? ' (reversed)' : ''}
        </Typography>
      )}
      <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.75 }}>
        {BUTTONS.map((action) => {
          const a = allowed.get(action);
          const button = (
            <span key={action}>
              <Button
                size="small"
                variant={action === 'apply' || action === 'distribute' ? 'contained' : 'outlined'}
                color={action === 'remove' || action === 'reverse' ? 'error' : 'primary'}
                disabled={!a?.ok}
                onClick={() => onAction(action, detail)}
                data-testid={`action-${action}`}
                title={SHORTCUTS[action] ? `Alt+${SHORTCUTS[action].toUpperCase()}` : undefined}
              >
                {MOVE_LABELS[action]}
              </Button>
            </span>
          );
          return a && !a.ok ? (
            <Tooltip key={action} title={`${a.rule ?? ''}: ${a.why ?? ''}`}>
              {button}
            </Tooltip>
          ) : (
            button
          );
        })}
      </Box>
      {error && <Alert severity="error">{error}</Alert>}
      {detail.active && (
        <>
          <Divider />
          <Typography variant="overline" color="textSecondary">
            Candidates {candidates ? `(${candidates.candidates.length})` : ''}
          </Typography>
          {candidates?.candidates.length === 0 && (
            <Typography variant="body2" color="textSecondary">
              No account looks right. Search the accounts, or remove the payment as unallocatable.
            </Typography>
          )}
          {candidates?.candidates.map((c) => (
            <CandidateCard
              key={`${c.accountNo}/${c.billNo ?? ''}`}
              c={c}
              canApply={canApply}
              onApply={() => onApplyCandidate(detail, c)}
              onDistribute={() => onDistributeCandidate(detail, c)}
            />
          ))}
        </>
      )}
      <Divider />
      <Typography variant="overline" color="textSecondary">
        Case of payment {detail.rootId}
      </Typography>
      <Box sx={{ display: 'flex', flexDirection: 'column', gap: 0.25 }} data-testid="case-tree">
        {detail.tree.map((t) => (
          <Box
            key={t.paymentId}
            sx={{
              display: 'flex',
              gap: 1,
              alignItems: 'baseline',
              cursor: 'pointer',
              '&:hover': { textDecoration: 'underline' },
            }}
            onClick={() => onOpenPayment(t.paymentId)}
          >
            <Typography
              variant="caption"
              sx={{ width: 64, fontWeight: t.paymentId === s.paymentId ? 700 : 400 }}
            >
              {t.paymentId}
            </Typography>
            <Typography variant="caption" sx={{ width: 80 }}>
              {t.kind}
            </Typography>
            <Typography variant="caption" sx={{ flex: 1 }} noWrap>
              {t.accountNo} · {money(t.amountMinor, t.currency, true)}
              {t.state ? ` · ${STATE_LABELS[t.state]}` : t.reversed ? ' · reversed' : ''}
            </Typography>
          </Box>
        ))}
      </Box>
      <Divider />
      <Typography variant="overline" color="textSecondary">
        Timeline
      </Typography>
      <Box sx={{ display: 'flex', flexDirection: 'column', gap: 0.75 }} data-testid="timeline">
        {detail.timeline.map((e) => (
          <Box key={`${e.id}-${e.action}`} sx={{ borderLeft: 2, borderColor: 'divider', pl: 1 }}>
            <Typography variant="body2">
              {ACTION_LABELS[e.action] ?? e.action}
              {e.amountMinor !== null && e.currency ? ` · ${money(e.amountMinor, e.currency, true)}` : ''}
            </Typography>
            <Typography variant="caption" color="textSecondary" component="div">
              {formatTimestamp(e.at)} · {e.operator ?? 'system'} · payment {e.paymentId}
              {e.reasonCode !== null ? ` · ${e.reasonCode} ${e.reasonLabel ?? ''}` : ''}
            </Typography>
            {e.detail && typeof e.detail.text === 'string' && (
              <Typography variant="caption" component="div">
                “{e.detail.text}”
              </Typography>
            )}
            {e.detail && Array.isArray(e.detail.targets) && (
              <Typography variant="caption" component="div">
                {(e.detail.targets as { accountNo: string; billNo: string | null; amountMinor: number }[])
                  .map(
                    (t) =>
                      `${t.accountNo}${t.billNo ? `/${t.billNo}` : ''} ${money(t.amountMinor, s.currency)}`,
                  )
                  .join(', ')}
                {typeof e.detail.remainderMinor === 'number' && e.detail.remainderMinor > 0
                  ? `; ${money(e.detail.remainderMinor, s.currency)} stays in suspense`
                  : ''}
              </Typography>
            )}
          </Box>
        ))}
      </Box>
    </Box>
  );
}
