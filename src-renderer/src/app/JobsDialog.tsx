import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import LinearProgress from '@mui/material/LinearProgress';
import Switch from '@mui/material/Switch';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { JobRunDto, JobRunStatusDto } from '../../../src-shared/dto/app';
import { formatCount, formatTimestamp } from '../components/format';
import { useApiQuery } from '../components/query';

/** How each status reads and looks. */
const STATUS_LOOK: Readonly<
  Record<JobRunStatusDto, { label: string; color: 'default' | 'info' | 'success' | 'warning' | 'error' }>
> = {
  queued: { label: 'Queued', color: 'default' },
  running: { label: 'Running', color: 'info' },
  finished: { label: 'Finished', color: 'success' },
  failed: { label: 'Failed', color: 'error' },
  cancelled: { label: 'Cancelled', color: 'default' },
  interrupted: { label: 'Interrupted', color: 'warning' },
};

/** "0.4 s", "12 s", "3 min 4 s": how long a job ran. */
function took(j: JobRunDto): string {
  if (j.finishedAt === null) return '';
  const ms = Math.max(0, Date.parse(j.finishedAt) - Date.parse(j.startedAt));
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** What a running job is doing, or why one ended as it did. */
function detail(j: JobRunDto): string {
  if (j.status === 'queued') return 'waiting for the ledger behind other work';
  if (j.progress)
    return `${j.progress.phase} ${formatCount(j.progress.done)} / ${formatCount(j.progress.total)}`;
  return j.message ?? '';
}

/**
 * The ledger's record of jobs (imports, validations, submits, runs): what ran, for whom, how it ended, kept after
 * a restart; a job whose process ended first shows as interrupted (submit it again: it never posts twice).
 */
export function JobsDialog({ onClose }: { onClose: () => void }) {
  const [all, setAll] = useState(false);
  const { data: jobs, error, loading } = useApiQuery('jobs:list', { all, limit: 100 });
  return (
    <Dialog
      open
      onClose={onClose}
      maxWidth="lg"
      fullWidth
      data-testid="jobs-dialog"
      aria-labelledby="jobs-title"
    >
      <DialogTitle id="jobs-title" sx={{ display: 'flex', alignItems: 'center' }}>
        <Box sx={{ flex: 1 }}>Jobs</Box>
        <FormControlLabel
          control={
            <Switch
              size="small"
              checked={all}
              onChange={(e) => setAll(e.target.checked)}
              data-testid="jobs-all"
            />
          }
          label={<Typography variant="body2">Everyone’s</Typography>}
        />
      </DialogTitle>
      <LinearProgress sx={{ height: 2, visibility: loading ? 'visible' : 'hidden' }} aria-hidden />
      <DialogContent sx={{ pt: 0 }}>
        {error && <Alert severity="error">{error}</Alert>}
        {jobs && jobs.length === 0 && (
          <Typography variant="body2" color="text.secondary" sx={{ py: 3 }} data-testid="jobs-empty">
            No jobs recorded yet: imports, validations, submits and runs appear here.
          </Typography>
        )}
        {jobs && jobs.length > 0 && (
          <Table size="small" aria-label="Jobs" data-testid="jobs-table">
            <TableHead>
              <TableRow>
                <TableCell>Started</TableCell>
                <TableCell>Job</TableCell>
                <TableCell>On</TableCell>
                <TableCell>By</TableCell>
                <TableCell>Status</TableCell>
                <TableCell align="right">Took</TableCell>
                <TableCell>Detail</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {jobs.map((j) => (
                <TableRow key={j.jobId} data-testid="jobs-row" data-status={j.status}>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>
                    {formatTimestamp(j.startedAt, 'second')}
                  </TableCell>
                  <TableCell>{j.label.charAt(0).toUpperCase() + j.label.slice(1)}</TableCell>
                  <TableCell>{j.subject ?? ''}</TableCell>
                  <TableCell>{j.startedBy.login ?? `#${j.startedBy.id}`}</TableCell>
                  <TableCell>
                    <Chip size="small" variant="outlined" {...STATUS_LOOK[j.status]} />
                  </TableCell>
                  <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                    {took(j)}
                  </TableCell>
                  <TableCell sx={{ color: 'text.secondary', maxWidth: 380, overflowWrap: 'anywhere' }}>
                    {detail(j)}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} data-testid="jobs-close">
          Close
        </Button>
      </DialogActions>
    </Dialog>
  );
}
