import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import IconButton from '@mui/material/IconButton';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutlined';
import type { ProcessorDto, ProcessorTestDto } from '../../../../src-shared/dto/processors';
import { call } from '../../api/client';
import { problemLines, useCommand } from '../../components/use-command';

type MerchantLine = { currency: string; merchant: string; mid: string };

const NUMBERS = [
  ['onlineTimeoutMs', 'Online timeout (ms)'],
  ['batchTimeoutMs', 'Batch timeout (ms)'],
  ['connectRetries', 'Connect retries'],
  ['heartbeatSec', 'Heartbeat (s)'],
  ['channelId', 'Channel id'],
] as const;
type NumberKey = (typeof NUMBERS)[number][0];

const whole = (v: string): number => (/^\d+$/.test(v.trim()) ? Number(v.trim()) : Number.NaN);

/**
 * Adds or edits a processor connection. The secret is write-only: the dialog says whether one is set and an
 * empty box keeps it; it is never shown back.
 */
function ProcessorDialog({
  initial,
  onClose,
  onSaved,
}: {
  initial: ProcessorDto | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [name, setName] = useState(initial?.name ?? '');
  const [url, setUrl] = useState(initial?.url ?? 'https://');
  const [merchants, setMerchants] = useState<MerchantLine[]>(
    initial
      ? Object.entries(initial.merchants).map(([currency, m]) => ({ currency, ...m }))
      : [{ currency: 'USD', merchant: '', mid: '' }],
  );
  const [numbers, setNumbers] = useState<Record<NumberKey, string>>(
    () =>
      Object.fromEntries(NUMBERS.map(([k]) => [k, initial ? String(initial[k]) : ''])) as Record<
        NumberKey,
        string
      >,
  );
  const [secret, setSecret] = useState('');
  const [isDefault, setIsDefault] = useState(initial?.isDefault ?? false);
  const [problems, setProblems] = useState<string[]>([]);
  const setLine = (i: number, patch: Partial<MerchantLine>) =>
    setMerchants(merchants.map((m, j) => (j === i ? { ...m, ...patch } : m)));
  const save = async () => {
    setProblems([]);
    try {
      await call('processors:save', {
        name: name.trim(),
        url: url.trim(),
        merchants: Object.fromEntries(
          merchants.map((m) => [m.currency.trim(), { merchant: m.merchant.trim(), mid: m.mid.trim() }]),
        ),
        ...Object.fromEntries(
          NUMBERS.filter(([k]) => numbers[k].trim() !== '').map(([k]) => [k, whole(numbers[k])]),
        ),
        ...(secret !== '' ? { secret } : {}),
        isDefault,
      });
      onSaved();
    } catch (err) {
      setProblems(problemLines(err));
    }
  };
  return (
    <Dialog open onClose={onClose} maxWidth="md" fullWidth data-testid="processor-dialog">
      <DialogTitle>{initial ? `Processor ${initial.name}` : 'New processor'}</DialogTitle>
      <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2, pt: '8px !important' }}>
        <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
          <TextField
            autoFocus={!initial}
            size="small"
            label="Name"
            value={name}
            disabled={initial !== null}
            onChange={(e) => setName(e.target.value)}
            sx={{ width: 180 }}
            slotProps={{ htmlInput: { 'data-testid': 'processor-name' } }}
          />
          <TextField
            autoFocus={initial !== null}
            size="small"
            label="URL"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            sx={{ flex: 1, minWidth: 320 }}
            slotProps={{ htmlInput: { 'data-testid': 'processor-url' } }}
          />
        </Box>
        <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
          {NUMBERS.map(([k, label]) => (
            <TextField
              key={k}
              size="small"
              label={label}
              value={numbers[k]}
              placeholder="default"
              onChange={(e) => setNumbers({ ...numbers, [k]: e.target.value })}
              sx={{ width: 160 }}
              slotProps={{ htmlInput: { inputMode: 'numeric', 'data-testid': `processor-${k}` } }}
            />
          ))}
        </Box>
        <Box>
          <Typography variant="subtitle2" sx={{ mb: 1 }}>
            Merchant accounts (one per currency)
          </Typography>
          {merchants.map((m, i) => (
            <Box key={i} sx={{ display: 'flex', gap: 1, mb: 1, alignItems: 'center' }}>
              <TextField
                size="small"
                label="Currency"
                value={m.currency}
                onChange={(e) => setLine(i, { currency: e.target.value.toUpperCase() })}
                sx={{ width: 110 }}
                slotProps={{ htmlInput: { maxLength: 3, 'data-testid': `processor-currency-${i}` } }}
              />
              <TextField
                size="small"
                label="Merchant"
                value={m.merchant}
                onChange={(e) => setLine(i, { merchant: e.target.value })}
                sx={{ width: 200 }}
                slotProps={{ htmlInput: { 'data-testid': `processor-merchant-${i}` } }}
              />
              <TextField
                size="small"
                label="Merchant account (MID)"
                value={m.mid}
                onChange={(e) => setLine(i, { mid: e.target.value })}
                sx={{ width: 200 }}
                slotProps={{ htmlInput: { inputMode: 'numeric', 'data-testid': `processor-mid-${i}` } }}
              />
              <IconButton
                size="small"
                aria-label={`Remove ${m.currency}`}
                disabled={merchants.length === 1}
                onClick={() => setMerchants(merchants.filter((_m, j) => j !== i))}
              >
                <DeleteOutlineIcon fontSize="small" />
              </IconButton>
            </Box>
          ))}
          <Button
            size="small"
            onClick={() => setMerchants([...merchants, { currency: '', merchant: '', mid: '' }])}
            data-testid="processor-add-currency"
          >
            Add currency
          </Button>
        </Box>
        <Box sx={{ display: 'flex', gap: 2, alignItems: 'center', flexWrap: 'wrap' }}>
          <TextField
            size="small"
            type="password"
            autoComplete="new-password"
            label={initial?.secretHint ? 'New secret (empty keeps the set one)' : 'Secret'}
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
            sx={{ width: 320 }}
            slotProps={{ htmlInput: { 'data-testid': 'processor-secret' } }}
          />
          <Chip
            size="small"
            variant="outlined"
            label={`secret ${initial?.secretHint ? 'set' : 'not set'}`}
            data-testid="processor-secret-state"
          />
          <FormControlLabel
            control={<Checkbox checked={isDefault} onChange={(e) => setIsDefault(e.target.checked)} />}
            label="Default processor"
          />
        </Box>
        {problems.length > 0 && (
          <Alert severity="error" data-testid="processor-problems">
            {problems.map((p) => (
              <div key={p}>{p}</div>
            ))}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="contained" onClick={() => void save()} data-testid="processor-save">
          Save
        </Button>
      </DialogActions>
    </Dialog>
  );
}

const HEALTH_COLOR = { up: 'success', degraded: 'warning', down: 'error', unknown: 'default' } as const;

/** Admin → processors: every connection with its settings and health, edit and test; secrets only "set". */
export function ProcessorsPanel({ canEdit }: { canEdit: boolean }) {
  const list = useCommand('processors:list', {});
  const [open, setOpen] = useState<{ p: ProcessorDto | null } | null>(null);
  const [tests, setTests] = useState<Record<string, ProcessorTestDto | string>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const test = async (name: string) => {
    setBusy(name);
    try {
      const t = await call('processors:test', { name });
      setTests((all) => ({ ...all, [name]: t }));
    } catch (err) {
      setTests((all) => ({ ...all, [name]: problemLines(err).join('; ') }));
    } finally {
      setBusy(null);
      await list.reload();
    }
  };
  return (
    <Paper variant="outlined" data-testid="processors-panel">
      <Box sx={{ px: 2, py: 1.5, display: 'flex', alignItems: 'center' }}>
        <Typography variant="subtitle2" sx={{ flex: 1 }}>
          Payment processors
        </Typography>
        {canEdit && (
          <Button
            size="small"
            variant="outlined"
            onClick={() => setOpen({ p: null })}
            data-testid="processor-add"
          >
            Add processor…
          </Button>
        )}
      </Box>
      {list.error && (
        <Alert severity="error" sx={{ mx: 2, mb: 1 }}>
          {list.error}
        </Alert>
      )}
      <Box sx={{ overflowX: 'auto' }}>
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>Name</TableCell>
              <TableCell>URL</TableCell>
              <TableCell>Merchants</TableCell>
              <TableCell>Timeouts (online / batch)</TableCell>
              <TableCell>Secret</TableCell>
              <TableCell>Health</TableCell>
              <TableCell align="right" />
            </TableRow>
          </TableHead>
          <TableBody>
            {list.data?.length === 0 && (
              <TableRow>
                <TableCell colSpan={7} sx={{ color: 'text.secondary' }}>
                  No payment processor is set up yet.
                </TableCell>
              </TableRow>
            )}
            {(list.data ?? []).map((p) => {
              const t = tests[p.name];
              return (
                <TableRow key={p.id} data-testid={`processor-row-${p.name}`}>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>
                    {p.name}
                    {p.isDefault && (
                      <Chip size="small" label="default" color="primary" variant="outlined" sx={{ ml: 1 }} />
                    )}
                  </TableCell>
                  <TableCell sx={{ wordBreak: 'break-all' }}>{p.url}</TableCell>
                  <TableCell>
                    {Object.entries(p.merchants).map(([c, m]) => (
                      <div key={c}>
                        {c} {m.merchant}:{m.mid}
                      </div>
                    ))}
                  </TableCell>
                  <TableCell>
                    {p.onlineTimeoutMs} / {p.batchTimeoutMs} ms
                    <br />
                    {p.connectRetries} retries
                  </TableCell>
                  <TableCell data-testid={`processor-secret-${p.name}`}>
                    {p.secretHint ? 'set' : 'not set'}
                  </TableCell>
                  <TableCell>
                    <Chip
                      size="small"
                      variant="outlined"
                      color={HEALTH_COLOR[p.health]}
                      label={p.health}
                      data-testid={`processor-state-${p.name}`}
                    />
                    {t !== undefined && (
                      <Typography
                        variant="caption"
                        sx={{ display: 'block' }}
                        color={typeof t !== 'string' && t.ok ? 'text.secondary' : 'error'}
                        data-testid={`processor-test-result-${p.name}`}
                      >
                        {typeof t === 'string' ? t : t.message}
                      </Typography>
                    )}
                  </TableCell>
                  <TableCell align="right">
                    <Button
                      size="small"
                      disabled={busy !== null}
                      onClick={() => void test(p.name)}
                      data-testid={`processor-test-${p.name}`}
                    >
                      Test connection
                    </Button>
                    {canEdit && (
                      <Button
                        size="small"
                        onClick={() => setOpen({ p })}
                        data-testid={`processor-edit-${p.name}`}
                      >
                        Edit…
                      </Button>
                    )}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </Box>
      {open && (
        <ProcessorDialog
          initial={open.p}
          onClose={() => setOpen(null)}
          onSaved={() => {
            setOpen(null);
            void list.reload();
          }}
        />
      )}
    </Paper>
  );
}
