import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Chip from '@mui/material/Chip';
import FormControlLabel from '@mui/material/FormControlLabel';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { CollectRunDto } from '../../../../src-shared/dto/processors';
import { useAppInfo } from '../../app/app-info';
import { formatCount, formatTimestamp } from '../../components/format';
import { useApiQuery } from '../../components/query';
import { useShortcuts } from '../../components/shortcuts';
import { RunConfirmDialog, type RunCommand } from './RunConfirmDialog';
import { useConfirmation } from './use-confirmation';

/** Colour of a result code chip: approved, declined, open. */
function resultColor(result: number): 'success' | 'error' | 'warning' | 'default' {
  if (result === 0) return 'success';
  if (result === 999 || result >= 1000) return 'warning';
  if (result === 1 || result === 6) return 'default';
  return 'error';
}

/**
 * Start a run, list runs with counts and totals per result, drill down to each transaction. The open run is the
 * route's (`#/collections/runs/<id>`).
 */
export function RunsPanel({
  canRun,
  runId,
  onRun,
}: {
  canRun: boolean;
  runId: number | null;
  onRun: (runId: number | null) => void;
}) {
  const { money } = useAppInfo();
  const selected = runId;
  const [filter, setFilter] = useState<number | undefined>(undefined);
  const [rebill, setRebill] = useState(false);
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [pending, setPending] = useState<{ command: RunCommand; input: Record<string, unknown> } | null>(
    null,
  );
  const busy = pending?.command ?? null;
  const confirmation = useConfirmation();
  const runsQuery = useApiQuery('collect:runs', { limit: 50 });
  const runs = runsQuery.data?.rows ?? [];
  const { data: txns } = useApiQuery(
    'collect:run-txns',
    { runId: selected ?? 0, ...(filter === undefined ? {} : { result: filter }), limit: 200 },
    { enabled: selected !== null, keepPrevious: true },
  );

  // Every run goes out through its preview: the dialog shows what will be sent and asks first.
  const run = (kind: RunCommand) => {
    const input =
      kind === 'collect:run' ? { rebill, ...(start ? { start } : {}), ...(end ? { end } : {}) } : {};
    setPending({ command: kind, input });
    confirmation.prepare(kind, input);
  };
  const close = () => {
    setPending(null);
    confirmation.clear();
  };
  const done = (out: CollectRunDto) => {
    close();
    // The finished job refreshes every read; asking at once shows the new run without waiting for the event.
    runsQuery.refetch();
    onRun(out.runId);
    setFilter(undefined);
  };

  useShortcuts('Collections', [
    {
      keys: 'Alt+N',
      label: 'New collection run (opens its preview)',
      run: () => run('collect:run'),
      enabled: canRun && busy === null,
    },
    {
      keys: 'Alt+D',
      label: 'Deposit authorizations (preview)',
      run: () => run('collect:deposit'),
      enabled: canRun && busy === null,
    },
    {
      keys: 'Alt+F',
      label: 'Refund credits (preview)',
      run: () => run('collect:refund'),
      enabled: canRun && busy === null,
    },
  ]);

  const current = runs.find((r) => r.runId === selected) ?? null;
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2, minHeight: 0 }}>
      {canRun && (
        <Paper
          variant="outlined"
          sx={{ p: 1.5, display: 'flex', gap: 1.5, alignItems: 'center', flexWrap: 'wrap' }}
        >
          <TextField
            size="small"
            type="date"
            label="Window start"
            value={start}
            onChange={(e) => setStart(e.target.value)}
            slotProps={{ inputLabel: { shrink: true } }}
            disabled={rebill}
          />
          <TextField
            size="small"
            type="date"
            label="Window end"
            value={end}
            onChange={(e) => setEnd(e.target.value)}
            slotProps={{ inputLabel: { shrink: true } }}
            disabled={rebill}
          />
          <FormControlLabel
            control={
              <Checkbox
                checked={rebill}
                onChange={(e) => setRebill(e.target.checked)}
                data-testid="collect-rebill"
              />
            }
            label="Rebill every outstanding bill"
          />
          <Button
            variant="contained"
            onClick={() => run('collect:run')}
            disabled={busy !== null}
            data-testid="collect-run"
          >
            Collect now…
          </Button>
          <Button
            variant="outlined"
            onClick={() => run('collect:deposit')}
            disabled={busy !== null}
            data-testid="collect-deposit"
          >
            Deposit authorizations…
          </Button>
          <Button
            variant="outlined"
            onClick={() => run('collect:refund')}
            disabled={busy !== null}
            data-testid="collect-refund"
          >
            Refund credits…
          </Button>
          <Typography variant="caption" color="text.secondary">
            Default window: yesterday and today · minimum 2.00 · bills with an open checkpoint are skipped
          </Typography>
        </Paper>
      )}
      {runsQuery.error && <Alert severity="error">{runsQuery.error}</Alert>}
      {pending && (
        <RunConfirmDialog
          command={pending.command}
          input={pending.input}
          prepared={confirmation.prepared}
          onAgain={() => confirmation.prepare(pending.command, pending.input)}
          onClose={close}
          onDone={done}
        />
      )}
      <Paper variant="outlined" sx={{ overflow: 'auto', maxHeight: 260 }}>
        <Table size="small" stickyHeader data-testid="runs-table">
          <TableHead>
            <TableRow>
              <TableCell>Run</TableCell>
              <TableCell>Kind</TableCell>
              <TableCell>Started</TableCell>
              <TableCell>Window</TableCell>
              <TableCell align="right">Selected</TableCell>
              <TableCell align="right">Posted</TableCell>
              <TableCell align="right">Amount posted</TableCell>
              <TableCell align="right">Declined</TableCell>
              <TableCell align="right">Unresolved</TableCell>
              <TableCell>Status</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {runs.map((r) => {
              const declined = r.totals
                .filter((t) => t.result > 0 && t.result < 999)
                .reduce((s, t) => s + t.count, 0);
              return (
                <TableRow
                  key={r.runId}
                  hover
                  selected={r.runId === selected}
                  onClick={() => {
                    onRun(r.runId);
                    setFilter(undefined);
                  }}
                  sx={{ cursor: 'pointer' }}
                  data-testid={`run-${r.runId}`}
                >
                  <TableCell>{r.runId}</TableCell>
                  <TableCell>{r.kind}</TableCell>
                  <TableCell>{formatTimestamp(r.startedAt)}</TableCell>
                  <TableCell>
                    {r.windowStart ? `${r.windowStart} – ${r.windowEnd}` : 'all outstanding'}
                  </TableCell>
                  <TableCell align="right">{formatCount(r.selected)}</TableCell>
                  <TableCell align="right">{formatCount(r.postedCount)}</TableCell>
                  <TableCell align="right">
                    {r.posted.map((a) => money(a.amountMinor, a.currency, true)).join(' · ') || '—'}
                  </TableCell>
                  <TableCell align="right">{formatCount(declined)}</TableCell>
                  <TableCell align="right">
                    {r.unresolved > 0 ? <Chip size="small" color="warning" label={r.unresolved} /> : 0}
                  </TableCell>
                  <TableCell>{r.status}</TableCell>
                </TableRow>
              );
            })}
            {runs.length === 0 && (
              <TableRow>
                <TableCell colSpan={10}>
                  <Typography variant="body2" color="text.secondary">
                    No runs yet.
                  </Typography>
                </TableCell>
              </TableRow>
            )}
          </TableBody>
        </Table>
      </Paper>
      {current && (
        <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1, minHeight: 0 }} data-testid="run-detail">
          <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', alignItems: 'center' }}>
            <Typography variant="subtitle2">Run {current.runId} by result:</Typography>
            <Chip
              size="small"
              label={`All ${formatCount(current.totals.reduce((s, t) => s + t.count, 0))}`}
              variant={filter === undefined ? 'filled' : 'outlined'}
              onClick={() => setFilter(undefined)}
            />
            {current.totals.map((t) => (
              <Chip
                key={t.result}
                size="small"
                color={resultColor(t.result)}
                variant={filter === t.result ? 'filled' : 'outlined'}
                label={`${t.result} ${t.name} · ${formatCount(t.count)} · ${t.amounts.map((a) => money(a.amountMinor, a.currency, true)).join(' + ')}`}
                onClick={() => setFilter(t.result)}
                data-testid={`run-result-${t.result}`}
              />
            ))}
            {Object.entries(current.skipped)
              .filter(([, n]) => n > 0)
              .map(([k, n]) => (
                <Chip key={k} size="small" variant="outlined" label={`skipped ${k} ${formatCount(n)}`} />
              ))}
            {current.latencyMs && (
              <Typography variant="caption" color="text.secondary">
                batch latency p50 {current.latencyMs.p50} ms · p95 {current.latencyMs.p95} ms ·{' '}
                {current.elapsedMs} ms total
              </Typography>
            )}
          </Box>
          <Paper variant="outlined" sx={{ overflow: 'auto', maxHeight: 320 }}>
            <Table size="small" stickyHeader data-testid="run-txns">
              <TableHead>
                <TableRow>
                  <TableCell>Txn</TableCell>
                  <TableCell>Account</TableCell>
                  <TableCell>Bill</TableCell>
                  <TableCell>Card</TableCell>
                  <TableCell align="right">Amount</TableCell>
                  <TableCell>Result</TableCell>
                  <TableCell>Auth code</TableCell>
                  <TableCell>Payment</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {txns?.rows.map((t) => (
                  <TableRow key={t.id}>
                    <TableCell>{t.id}</TableCell>
                    <TableCell>{t.accountNo}</TableCell>
                    <TableCell>{t.billNo ?? '—'}</TableCell>
                    <TableCell>{t.mask ?? '—'}</TableCell>
                    <TableCell align="right">{money(t.amountMinor, t.currency, true)}</TableCell>
                    <TableCell>
                      <Chip
                        size="small"
                        color={resultColor(t.result)}
                        label={`${t.result} ${t.resultName}`}
                      />
                    </TableCell>
                    <TableCell>{t.authCode ?? '—'}</TableCell>
                    <TableCell>{t.paymentId ?? '—'}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </Paper>
          {txns && txns.total > txns.rows.length && (
            <Typography variant="caption" color="text.secondary">
              Showing {txns.rows.length} of {formatCount(txns.total)}; pick a result to narrow the list.
            </Typography>
          )}
        </Box>
      )}
    </Box>
  );
}
