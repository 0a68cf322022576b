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
import type { MandateRevisionCodeDto } from '../../../../src-shared/dto/admin';
import { call } from '../../api/client';
import { problemLines } from '../../components/use-command';

/** A new mandate revision code's starting values: an amendment raised as a mandate event. */
export const NEW_MANDATE_CODE: MandateRevisionCodeDto = {
  code: '',
  name: '',
  action: 'amend',
  reasonType: 0,
  reasonCode: 0,
  eventType: 'MANDATE',
  eventCode: '',
};

type Text = Record<keyof MandateRevisionCodeDto, string>;

/**
 * Adds, changes or deletes a mandate revision code (DOMAIN.md §2.21): what a processor's mandate notice means
 * (amend the mandate or cancel it) and the event it raises. The service checks the fields and audits the change.
 */
export function MandateCodeDialog({
  initial,
  onClose,
  onSaved,
}: {
  initial: MandateRevisionCodeDto;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [t, setT] = useState<Text>(
    () => Object.fromEntries(Object.entries(initial).map(([k, v]) => [k, String(v)])) as Text,
  );
  const [problems, setProblems] = useState<string[]>([]);
  const isNew = initial.code === '';
  const num = (v: string): number => (/^\d+$/.test(v.trim()) ? Number(v.trim()) : Number.NaN);
  const run = async (what: () => Promise<unknown>) => {
    setProblems([]);
    try {
      await what();
      onSaved();
    } catch (err) {
      setProblems(problemLines(err));
    }
  };
  const save = () =>
    run(() =>
      call('admin:save-mandate-code', {
        code: t.code.trim(),
        name: t.name,
        action: t.action === 'cancel' ? 'cancel' : 'amend',
        reasonType: num(t.reasonType),
        reasonCode: num(t.reasonCode),
        eventType: t.eventType,
        eventCode: t.eventCode,
      }),
    );
  const field = (key: keyof MandateRevisionCodeDto, label: string, width = 200) => (
    <TextField
      size="small"
      label={label}
      value={t[key]}
      onChange={(e) => setT({ ...t, [key]: e.target.value })}
      sx={{ width }}
      disabled={key === 'code' && !isNew}
      slotProps={{ htmlInput: { 'data-testid': `mandate-${key}` } }}
    />
  );
  return (
    <Dialog open onClose={onClose} maxWidth="sm" fullWidth data-testid="mandate-dialog">
      <DialogTitle>
        {isNew ? 'New mandate revision code' : `Mandate revision code ${initial.code}`}
      </DialogTitle>
      <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2, pt: '8px !important' }}>
        <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
          {field('code', 'Code', 120)}
          {field('name', 'Name', 360)}
          <TextField
            select
            size="small"
            label="Action"
            value={t.action}
            onChange={(e) => setT({ ...t, action: e.target.value })}
            sx={{ width: 230 }}
            slotProps={{ htmlInput: { 'data-testid': 'mandate-action' } }}
          >
            <MenuItem value="amend">Amend the mandate</MenuItem>
            <MenuItem value="cancel">Cancel the mandate</MenuItem>
          </TextField>
          {field('reasonType', 'Reason type', 120)}
          {field('reasonCode', 'Reason code', 120)}
          {field('eventType', 'Event type')}
          {field('eventCode', 'Event code')}
        </Box>
        {problems.length > 0 && (
          <Alert severity="error" data-testid="mandate-problems">
            {problems.map((p) => (
              <div key={p}>{p}</div>
            ))}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        {!isNew && (
          <Button
            color="error"
            sx={{ mr: 'auto' }}
            onClick={() => void run(() => call('admin:delete-mandate-code', { code: initial.code }))}
            data-testid="mandate-delete"
          >
            Delete
          </Button>
        )}
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="contained" onClick={() => void save()} data-testid="mandate-save">
          Save
        </Button>
      </DialogActions>
    </Dialog>
  );
}
