import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Divider from '@mui/material/Divider';
import LinearProgress from '@mui/material/LinearProgress';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import ArrowBackIcon from '@mui/icons-material/ArrowBack';
import { errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { formatDate } from '../../components/format';
import { useApiMutation, useApiQuery } from '../../components/query';

/** Reads an entry reference of the form `entry:<batchId>:<entryId>` from the location hash. */
export function parseEntryRef(ref: string | null): { batchId: number; entryId: number } | null {
  const m = /^entry:(\d{1,15}):(\d{1,15})$/.exec(ref ?? '');
  return m ? { batchId: Number(m[1]), entryId: Number(m[2]) } : null;
}

/**
 * Payment Tool → Payment Center → Payment Tool: a batch entry that would go to suspense is looked at with the
 * matcher, its account or bill number corrected in the batch, and the clerk goes back to validate the batch again.
 */
export function EntryPanel({ batchId, entryId }: { batchId: number; entryId: number }) {
  const { money } = useAppInfo();
  const { data: found, error: readError } = useApiQuery('suspense:candidates', { batchId, entryId });
  const saveEntries = useApiMutation('batches:save-entries');
  const [accountNo, setAccountNo] = useState<string | null>(null);
  const [billNo, setBillNo] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const error = saveError ?? readError;

  if (!found)
    return (
      <Box sx={{ p: 2 }}>
        {error ? <Alert severity="error">{error}</Alert> : <LinearProgress aria-label="Loading entry" />}
      </Box>
    );
  const h = found.hints;
  const account = accountNo ?? h.accountHint ?? '';
  const bill = billNo ?? h.billNo ?? '';
  const save = async (): Promise<void> => {
    setSaveError(null);
    try {
      await saveEntries.run({
        batchId,
        entries: [{ id: entryId, accountNo: account.trim() || null, billNo: bill.trim() || null }],
      });
      setSaved(true);
    } catch (err) {
      setSaveError(errorMessage(err));
    }
  };
  return (
    <Box
      sx={{ p: 1.5, display: 'flex', flexDirection: 'column', gap: 1.25, overflowY: 'auto' }}
      data-testid="entry-panel"
    >
      <Typography variant="overline" color="textSecondary">
        Batch {batchId} · entry to correct
      </Typography>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
        <Typography variant="h6">{money(h.amountMinor, h.currency, true)}</Typography>
        <Chip size="small" label={h.status.replace(/_/g, ' ')} />
      </Box>
      <Typography variant="body2" color="textSecondary">
        {h.payerName ?? 'No payer name'} · {h.externalRef ?? 'no reference'} · {formatDate(h.effectiveDate)}
      </Typography>
      <TextField
        size="small"
        label="Account number"
        value={account}
        onChange={(e) => setAccountNo(e.target.value)}
        slotProps={{ htmlInput: { 'data-testid': 'entry-account', maxLength: 64 } }}
      />
      <TextField
        size="small"
        label="Bill number"
        value={bill}
        onChange={(e) => setBillNo(e.target.value)}
        slotProps={{ htmlInput: { 'data-testid': 'entry-bill', maxLength: 64 } }}
      />
      <Box sx={{ display: 'flex', gap: 1 }}>
        <Button variant="contained" onClick={() => void save()} data-testid="entry-save">
          Correct the entry
        </Button>
        <Button
          startIcon={<ArrowBackIcon />}
          onClick={() => {
            window.location.hash = `#/batches/${batchId}`;
          }}
          data-testid="entry-back"
        >
          Back to the batch
        </Button>
      </Box>
      {saved && (
        <Alert severity="success" data-testid="entry-saved">
          Entry corrected. Go back to the batch and validate it again (F7).
        </Alert>
      )}
      {error && <Alert severity="error">{error}</Alert>}
      <Divider />
      <Typography variant="overline" color="textSecondary">
        Candidates ({found.candidates.length})
      </Typography>
      {found.candidates.map((c) => (
        <Paper
          key={`${c.accountNo}/${c.billNo ?? ''}`}
          variant="outlined"
          sx={{ p: 1 }}
          data-testid="entry-candidate"
        >
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
            <Chip size="small" label={c.score} color={c.score >= 85 ? 'success' : 'default'} />
            <Typography variant="subtitle2" noWrap sx={{ flex: 1 }}>
              {c.accountNo}
              {c.billNo ? ` / ${c.billNo}` : ''} · {c.accountName}
            </Typography>
            <Button
              size="small"
              onClick={() => {
                setAccountNo(c.accountNo);
                setBillNo(c.billNo ?? '');
                setSaved(false);
              }}
            >
              Use
            </Button>
          </Box>
          {c.reasons.map((r) => (
            <Typography key={r} variant="caption" component="div">
              · {r}
            </Typography>
          ))}
        </Paper>
      ))}
    </Box>
  );
}
