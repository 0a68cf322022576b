import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import type { RejectionCodeDto } from '../../../../src-shared/dto/admin';
import { call } from '../../api/client';
import { problemLines } from '../../components/use-command';

/** A new rejection code's starting values: a soft decline retried twice. */
export const NEW_REJECTION_CODE: RejectionCodeDto = {
  code: '',
  description: '',
  reasonType: 2,
  reasonCode: 0,
  declineClass: 'soft',
  maxRetries: 2,
  retryReasonCode: null,
  retryEvent: 'PAYMENT_RETRY',
  suspensionDays: 5,
  exhaustedEvent: 'PAYMENT_CANCELLED',
  refundEvent: null,
  fallbackPayType: 10001,
};

type Text = Record<keyof RejectionCodeDto, string>;

function toText(r: RejectionCodeDto): Text {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? '' : String(v)])) as Text;
}

/**
 * Adds or changes a recurring-payment rejection code (DOMAIN.md §2.21, §4.25): a soft decline is retried and
 * suspends automated payments for some days; a hard decline is not retried. The service checks the rules.
 */
export function RejectionCodeDialog({
  initial,
  onClose,
  onSaved,
}: {
  initial: RejectionCodeDto;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [t, setT] = useState<Text>(() => toText(initial));
  const [problems, setProblems] = useState<string[]>([]);
  const isNew = initial.code === '';
  const num = (v: string): number => (/^\d+$/.test(v.trim()) ? Number(v.trim()) : Number.NaN);
  const opt = (v: string): string | null => (v.trim() === '' ? null : v.trim());
  const save = async () => {
    try {
      await call('admin:save-rejection-code', {
        code: t.code.trim(),
        description: t.description,
        reasonType: num(t.reasonType),
        reasonCode: num(t.reasonCode),
        declineClass: t.declineClass === 'hard' ? 'hard' : 'soft',
        maxRetries: num(t.maxRetries),
        retryReasonCode: t.retryReasonCode.trim() === '' ? null : num(t.retryReasonCode),
        retryEvent: opt(t.retryEvent),
        suspensionDays: num(t.suspensionDays),
        exhaustedEvent: opt(t.exhaustedEvent),
        refundEvent: opt(t.refundEvent),
        fallbackPayType: num(t.fallbackPayType),
      });
      onSaved();
    } catch (err) {
      setProblems(problemLines(err));
    }
  };
  const field = (key: keyof RejectionCodeDto, label: string, width = 200) => (
    <TextField
      size="small"
      label={label}
      value={t[key]}
      onChange={(e) => setT({ ...t, [key]: e.target.value })}
      sx={{ width }}
      disabled={key === 'code' && !isNew}
      slotProps={{ htmlInput: { 'data-testid': `rejection-${key}` } }}
    />
  );
  return (
    <Dialog open onClose={onClose} maxWidth="sm" fullWidth data-testid="rejection-dialog">
      <DialogTitle>{isNew ? 'New rejection code' : `Rejection code ${initial.code}`}</DialogTitle>
      <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2, pt: '8px !important' }}>
        <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
          {field('code', 'Code', 120)}
          {field('description', 'Description', 360)}
          {field('reasonType', 'Reason type', 120)}
          {field('reasonCode', 'Reason code', 120)}
          <TextField
            select
            size="small"
            label="Decline class"
            value={t.declineClass}
            onChange={(e) => setT({ ...t, declineClass: e.target.value })}
            sx={{ width: 160 }}
          >
            <MenuItem value="soft">Soft (retry)</MenuItem>
            <MenuItem value="hard">Hard (no retry)</MenuItem>
          </TextField>
          {field('maxRetries', 'Retries', 100)}
          {field('retryReasonCode', 'Retry reason code', 160)}
          {field('retryEvent', 'Retry event')}
          {field('suspensionDays', 'Suspension days', 140)}
          {field('exhaustedEvent', 'Event when retries run out', 240)}
          {field('refundEvent', 'Refund event')}
          {field('fallbackPayType', 'Fallback pay type', 160)}
        </Box>
        {problems.length > 0 && (
          <Alert severity="error" data-testid="rejection-problems">
            {problems.map((p) => (
              <div key={p}>{p}</div>
            ))}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="contained" onClick={() => void save()} data-testid="rejection-save">
          Save
        </Button>
      </DialogActions>
    </Dialog>
  );
}
