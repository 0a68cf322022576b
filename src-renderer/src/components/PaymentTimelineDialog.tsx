import { useCallback, useState, type ReactNode } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import LinearProgress from '@mui/material/LinearProgress';
import Typography from '@mui/material/Typography';
import type { SvgIconComponent } from '@mui/icons-material';
import AccountBalanceIcon from '@mui/icons-material/AccountBalance';
import CallMadeIcon from '@mui/icons-material/CallMade';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import CloudUploadIcon from '@mui/icons-material/CloudUpload';
import DescriptionIcon from '@mui/icons-material/Description';
import FlagIcon from '@mui/icons-material/Flag';
import KeyboardIcon from '@mui/icons-material/Keyboard';
import LinkIcon from '@mui/icons-material/Link';
import LinkOffIcon from '@mui/icons-material/LinkOff';
import PauseCircleIcon from '@mui/icons-material/PauseCircle';
import ReceiptIcon from '@mui/icons-material/Receipt';
import SendIcon from '@mui/icons-material/Send';
import StickyNote2Icon from '@mui/icons-material/StickyNote2';
import SwapHorizIcon from '@mui/icons-material/SwapHoriz';
import UndoIcon from '@mui/icons-material/Undo';
import ReplyIcon from '@mui/icons-material/Reply';
import type { TimelineEventDto, TimelineKind } from '../../../src-shared/dto/reports';
import { formatTimestamp } from './format';
import { useApiQuery } from './query';
import { useAppInfo } from '../app/app-info';

/** Palette colour names a kind is drawn in (theme tokens only). */
type Tone = 'primary' | 'secondary' | 'success' | 'warning' | 'error' | 'info' | 'grey';

/** How each kind of step looks: a label, an icon and a colour. */
const KIND_LOOK: Readonly<Record<TimelineKind, { label: string; icon: SvgIconComponent; tone: Tone }>> = {
  received: { label: 'Received', icon: DescriptionIcon, tone: 'info' },
  keyed: { label: 'Keyed', icon: KeyboardIcon, tone: 'info' },
  validated: { label: 'Validated', icon: CheckCircleIcon, tone: 'info' },
  submitted: { label: 'Submitted', icon: SendIcon, tone: 'primary' },
  posted: { label: 'Posted', icon: AccountBalanceIcon, tone: 'success' },
  allocated: { label: 'Allocated', icon: LinkIcon, tone: 'success' },
  'allocation-undone': { label: 'Allocation undone', icon: LinkOffIcon, tone: 'warning' },
  suspended: { label: 'Suspended', icon: PauseCircleIcon, tone: 'warning' },
  'suspense-moved': { label: 'Suspense move', icon: SwapHorizIcon, tone: 'secondary' },
  'processor-call': { label: 'Processor call', icon: CallMadeIcon, tone: 'primary' },
  checkpoint: { label: 'Checkpoint', icon: FlagIcon, tone: 'grey' },
  returned: { label: 'Returned', icon: ReplyIcon, tone: 'error' },
  reversed: { label: 'Reversed', icon: UndoIcon, tone: 'error' },
  fee: { label: 'Fee', icon: ReceiptIcon, tone: 'error' },
  exported: { label: 'Exported', icon: CloudUploadIcon, tone: 'secondary' },
  note: { label: 'Note', icon: StickyNote2Icon, tone: 'grey' },
};

const toneColor = (tone: Tone): string => (tone === 'grey' ? 'text.secondary' : `${tone}.main`);

/** "2026-11-22 09:03:00" from an ISO time (the ledger's UTC, as every other screen shows it), or the locale's. */
const timeText = (at: string): string => formatTimestamp(at, 'second');

/** Where an event points: a batch, a file and line, a journal, another payment. */
function refText(ref: TimelineEventDto['ref']): string {
  if (!ref) return '';
  const parts: string[] = [];
  if (ref.paymentId !== undefined) parts.push(`payment ${ref.paymentId}`);
  if (ref.batchNo !== undefined) parts.push(`batch ${ref.batchNo}`);
  if (ref.file !== undefined) parts.push(ref.line !== undefined ? `${ref.file}:${ref.line}` : ref.file);
  if (ref.journalId !== undefined) parts.push(`journal ${ref.journalId}`);
  return parts.join(' · ');
}

/** One step: the icon on the line, then time, kind, operator, amount and the sentence. */
function EventRow({ e, last }: { e: TimelineEventDto; last: boolean }) {
  const { money } = useAppInfo();
  const look = KIND_LOOK[e.kind];
  const Icon = look.icon;
  const where = refText(e.ref);
  return (
    <Box sx={{ display: 'flex', gap: 1.5 }} data-testid="timeline-event" data-kind={e.kind}>
      <Box sx={{ display: 'flex', flexDirection: 'column', alignItems: 'center', width: 28, flex: 'none' }}>
        <Icon sx={{ color: toneColor(look.tone), fontSize: 24, mt: 0.25 }} aria-label={look.label} />
        {!last && <Box sx={{ flex: 1, width: 2, bgcolor: 'divider', my: 0.5 }} />}
      </Box>
      <Box sx={{ pb: last ? 0 : 1.5, minWidth: 0, flex: 1 }}>
        <Box sx={{ display: 'flex', alignItems: 'baseline', gap: 1, flexWrap: 'wrap' }}>
          <Typography variant="body2" sx={{ fontWeight: 600, color: toneColor(look.tone) }}>
            {look.label}
          </Typography>
          <Typography variant="caption" color="textSecondary">
            {timeText(e.at)} · {e.operator ?? 'system'}
          </Typography>
          <Box sx={{ flex: 1 }} />
          {e.amountMinor !== undefined && e.currency !== undefined && (
            <Typography
              variant="body2"
              sx={{ fontVariantNumeric: 'tabular-nums' }}
              data-testid="timeline-amount"
            >
              {money(e.amountMinor, e.currency, true)}
            </Typography>
          )}
        </Box>
        <Typography variant="body2" data-testid="timeline-detail">
          {e.detail}
        </Typography>
        {where && (
          <Typography variant="caption" color="textSecondary">
            {where}
          </Typography>
        )}
      </Box>
    </Box>
  );
}

/**
 * The one timeline of a payment in a dialog: where it came from, who validated and submitted it, allocations and
 * their undo, suspense moves, processor calls, returns, reversals, fees and exports, oldest first. Any screen
 * may open it (see usePaymentTimeline); `paymentId` null keeps it closed.
 */
export function PaymentTimelineDialog({
  paymentId,
  onClose,
}: {
  paymentId: number | null;
  onClose: () => void;
}) {
  const { money } = useAppInfo();
  const timeline = useApiQuery(
    'payments:timeline',
    { paymentId: paymentId ?? 0 },
    { enabled: paymentId !== null },
  );
  const t = paymentId !== null ? (timeline.data ?? null) : null;
  return (
    <Dialog
      open={paymentId !== null}
      onClose={onClose}
      maxWidth="md"
      fullWidth
      data-testid="payment-timeline-dialog"
    >
      <DialogTitle sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
        Payment {paymentId} timeline
        {t && (
          <>
            <Typography component="span" color="textSecondary">
              {t.accountNo} · {money(t.amountMinor, t.currency, true)}
            </Typography>
            <Chip size="small" label={t.status} data-testid="payment-timeline-status" />
          </>
        )}
      </DialogTitle>
      <DialogContent dividers>
        {timeline.loading && <LinearProgress />}
        {timeline.error && <Alert severity="error">{timeline.error}</Alert>}
        {t && t.events.length === 0 && <Typography color="textSecondary">Nothing recorded yet.</Typography>}
        {t && (
          <Box data-testid="payment-timeline-events">
            {t.events.map((e, i) => (
              <EventRow key={i} e={e} last={i === t.events.length - 1} />
            ))}
          </Box>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} autoFocus data-testid="payment-timeline-close">
          Close
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/** A screen's handle on the dialog: `open(paymentId)` shows it; render `dialog` once anywhere in the screen. */
export function usePaymentTimeline(): { open: (paymentId: number) => void; dialog: ReactNode } {
  const [paymentId, setPaymentId] = useState<number | null>(null);
  const open = useCallback((id: number) => setPaymentId(id), []);
  const close = useCallback(() => setPaymentId(null), []);
  return { open, dialog: <PaymentTimelineDialog paymentId={paymentId} onClose={close} /> };
}
