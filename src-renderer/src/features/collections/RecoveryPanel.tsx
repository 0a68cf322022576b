import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Chip from '@mui/material/Chip';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { RecoveryResultDto } from '../../../../src-shared/dto/processors';
import { errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { formatCount, formatTimestamp } from '../../components/format';
import { useApiMutation, useApiQuery } from '../../components/query';

type Action = RecoveryResultDto['action'];

const ACTIONS: { action: Action; label: string; help: string }[] = [
  {
    action: 'rfr',
    label: 'Ask for the reply',
    help: 'request-for-response: settle from what the processor holds',
  },
  {
    action: 'resubmit',
    label: 'Resubmit',
    help: 'send again with the same keys; the processor charges nothing twice',
  },
  {
    action: 'recover-payment',
    label: 'Recover payment',
    help: 'post the payment of a charge that was not posted',
  },
  {
    action: 'delete',
    label: 'Delete',
    help: 'drop the checkpoint; deposits younger than 7 days are refused',
  },
];

/** Open checkpoints by command type, each with account and amount, and the four ways to resolve them. */
export function RecoveryPanel({ canResolve }: { canResolve: boolean }) {
  const { money } = useAppInfo();
  const summaryQuery = useApiQuery('recovery:summary', {});
  const rowsQuery = useApiQuery('recovery:show', { state: 'unresolved', limit: 500 });
  const summary = summaryQuery.data ?? null;
  const rows = rowsQuery.data ?? null;
  const [chosen, setPicked] = useState<Set<number>>(new Set());
  // A record resolved meanwhile (here or elsewhere) is no longer picked.
  const picked = new Set([...chosen].filter((id) => rows?.rows.some((x) => x.id === id)));
  const [result, setResult] = useState<RecoveryResultDto | null>(null);
  const [error, setError] = useState<string | null>(null);
  const resolver = useApiMutation('recovery:resolve');
  const busy = resolver.busy;
  const shownError = error ?? summaryQuery.error ?? rowsQuery.error;

  const resolve = async (action: Action) => {
    setError(null);
    try {
      const ids = [...picked];
      setResult(await resolver.run({ action, ...(ids.length ? { txnIds: ids } : {}) }));
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2 }} data-testid="recovery-panel">
      <Paper variant="outlined" sx={{ p: 1.5 }}>
        <Typography variant="subtitle2" gutterBottom>
          Open checkpoints by command type
        </Typography>
        <Table size="small" data-testid="recovery-summary">
          <TableHead>
            <TableRow>
              <TableCell>Command</TableCell>
              <TableCell align="right">Open (999)</TableCell>
              <TableCell align="right">Amount</TableCell>
              <TableCell>Oldest</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {summary?.open.map((o) => (
              <TableRow key={o.command}>
                <TableCell>{o.label}</TableCell>
                <TableCell align="right">{formatCount(o.count)}</TableCell>
                <TableCell align="right">
                  {o.amounts.map((a) => money(a.amountMinor, a.currency, true)).join(' · ') || '—'}
                </TableCell>
                <TableCell>{formatTimestamp(o.oldest)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
        <Typography variant="body2" sx={{ mt: 1 }} data-testid="recovery-totals">
          {summary
            ? `${formatCount(summary.totalOpen)} open · ${formatCount(summary.totalUnposted)} charged but not posted`
            : ''}
        </Typography>
      </Paper>
      {canResolve && (
        <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', alignItems: 'center' }}>
          {ACTIONS.map((a) => (
            <Button
              key={a.action}
              variant={a.action === 'rfr' ? 'contained' : 'outlined'}
              color={a.action === 'delete' ? 'error' : 'primary'}
              title={a.help}
              disabled={busy || !rows || rows.total === 0}
              onClick={() => void resolve(a.action)}
              data-testid={`recovery-${a.action}`}
            >
              {a.label}
            </Button>
          ))}
          <Typography variant="caption" color="text.secondary">
            {picked.size ? `${picked.size} selected` : 'acts on every open record unless some are selected'}
          </Typography>
        </Box>
      )}
      {shownError && <Alert severity="error">{shownError}</Alert>}
      {result && (
        <Alert severity={result.stillOpen ? 'warning' : 'success'} data-testid="recovery-result">
          {result.action}: examined {result.examined}, settled {result.settled}, posted {result.posted},
          resubmitted {result.resubmitted}, deleted {result.deleted}, still open {result.stillOpen}
          {result.refused.length > 0 && ` · ${result.refused.length} refused: ${result.refused[0]!.reason}`}
        </Alert>
      )}
      <Paper variant="outlined" sx={{ overflow: 'auto', maxHeight: 360 }}>
        <Table size="small" stickyHeader data-testid="recovery-rows">
          <TableHead>
            <TableRow>
              <TableCell padding="checkbox" />
              <TableCell>Txn</TableCell>
              <TableCell>Command</TableCell>
              <TableCell>State</TableCell>
              <TableCell>Account</TableCell>
              <TableCell>Bill</TableCell>
              <TableCell align="right">Amount</TableCell>
              <TableCell>Batch</TableCell>
              <TableCell align="right">Age (days)</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {rows?.rows.map((t) => (
              <TableRow key={t.id} hover>
                <TableCell padding="checkbox">
                  <Checkbox
                    size="small"
                    checked={picked.has(t.id)}
                    onChange={(e) => {
                      const next = new Set(picked);
                      if (e.target.checked) next.add(t.id);
                      else next.delete(t.id);
                      setPicked(next);
                    }}
                  />
                </TableCell>
                <TableCell>{t.id}</TableCell>
                <TableCell>{t.command}</TableCell>
                <TableCell>
                  <Chip
                    size="small"
                    color="warning"
                    label={t.result === 999 ? '999 outcome unknown' : `${t.result} charged, not posted`}
                  />
                </TableCell>
                <TableCell>{t.accountNo}</TableCell>
                <TableCell>{t.billNo ?? '—'}</TableCell>
                <TableCell align="right">{money(t.amountMinor, t.currency, true)}</TableCell>
                <TableCell>{t.batchKey ?? 'online'}</TableCell>
                <TableCell align="right">{t.ageDays}</TableCell>
              </TableRow>
            ))}
            {rows && rows.rows.length === 0 && (
              <TableRow>
                <TableCell colSpan={9}>
                  <Typography variant="body2" color="text.secondary">
                    Nothing to resolve: every processor request has its answer and its posting.
                  </Typography>
                </TableCell>
              </TableRow>
            )}
          </TableBody>
        </Table>
      </Paper>
    </Box>
  );
}
