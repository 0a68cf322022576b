import { useState, type ReactNode } from 'react';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import type { ReasonCodeDto } from '../../../../src-shared/dto/codes';
import { errorMessage } from '../../api/client';
import { FormDialog } from '../../components/FormDialog';

/** Picks a code from a list (owners, reasons) and confirms a move with it. */
export function CodeDialog({
  title,
  testId,
  text,
  label,
  confirm,
  danger,
  codes,
  allowNone,
  initial,
  onClose,
  onConfirm,
}: {
  title: string;
  testId: string;
  text: ReactNode;
  label: string;
  confirm: string;
  danger?: boolean;
  codes: readonly ReasonCodeDto[];
  allowNone?: string;
  initial?: string;
  onClose: () => void;
  onConfirm: (code: number | null) => Promise<void>;
}) {
  const [picked, setCode] = useState(initial ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Until the analyst picks, a list without a "none" entry offers its first code (the lists load after opening).
  const code = picked || (allowNone ? '' : String(codes[0]?.id ?? ''));
  const submit = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm(code === 'none' ? null : Number(code));
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  return (
    <FormDialog
      title={title}
      testId={testId}
      submitTestId={`${testId}-confirm`}
      submitLabel={confirm}
      submitColor={danger ? 'error' : 'primary'}
      submitDisabled={code === ''}
      onClose={onClose}
      onSubmit={submit}
      busy={busy}
      error={error}
    >
      {text}
      <TextField
        select
        label={label}
        value={code}
        onChange={(e) => setCode(e.target.value)}
        slotProps={{ htmlInput: { 'data-testid': `${testId}-code` } }}
      >
        {allowNone && <MenuItem value="none">{allowNone}</MenuItem>}
        {codes.map((c) => (
          <MenuItem key={c.id} value={String(c.id)} data-testid={`${testId}-option-${c.id}`}>
            {c.id} {c.label}
            {c.glId !== null ? ` (G/L ${c.glId})` : ''}
          </MenuItem>
        ))}
      </TextField>
    </FormDialog>
  );
}
