import { useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import LinearProgress from '@mui/material/LinearProgress';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import PersonIcon from '@mui/icons-material/Person';
import HistoryIcon from '@mui/icons-material/History';
import StorageIcon from '@mui/icons-material/Storage';
import { formatCount } from '../components/format';
import { ProcessorHealthStatus } from '../features/collections/ProcessorHealthChip';
import { useAppInfo } from './app-info';
import { JobsDialog } from './JobsDialog';
import { phaseLabel, useJobProgress } from './use-job-progress';

/** The bottom status bar: ledger file, operator and roles, account count, running job progress, the jobs record. */
export function StatusBar() {
  const { info, error } = useAppInfo();
  const [jobsOpen, setJobsOpen] = useState(false);
  const job = useJobProgress();
  const percent = job && job.total > 0 ? Math.min(100, (job.done / job.total) * 100) : 0;
  return (
    <Box
      component="footer"
      data-testid="status-bar"
      sx={{
        height: 28,
        flexShrink: 0,
        display: 'flex',
        alignItems: 'center',
        gap: 2,
        px: 1.5,
        borderTop: 1,
        borderColor: 'divider',
        bgcolor: 'background.paper',
        color: 'text.secondary',
        fontSize: 12,
        whiteSpace: 'nowrap',
      }}
    >
      {error ? (
        <Typography variant="caption" color="error" data-testid="status-error">
          {error}
        </Typography>
      ) : !info ? (
        <Typography variant="caption">Opening ledger…</Typography>
      ) : (
        <>
          <Tooltip title={info.ledgerFile}>
            <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5, minWidth: 0, maxWidth: '40%' }}>
              <StorageIcon sx={{ fontSize: 14 }} />
              <Typography
                variant="caption"
                data-testid="status-ledger"
                sx={{ overflow: 'hidden', textOverflow: 'ellipsis' }}
              >
                {info.ledgerFile}
              </Typography>
            </Box>
          </Tooltip>
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5 }}>
            <PersonIcon sx={{ fontSize: 14 }} />
            <Typography variant="caption" data-testid="status-operator">
              {info.operator.login}
              {info.operator.roles.length > 0 && ` (${info.operator.roles.join(', ')})`}
            </Typography>
          </Box>
          <Typography variant="caption" data-testid="status-accounts">
            {formatCount(info.accountCount)} {info.accountCount === 1 ? 'account' : 'accounts'}
          </Typography>
          <Typography variant="caption">v{info.version}</Typography>
        </>
      )}
      <Box sx={{ flex: 1 }} />
      {info && <ProcessorHealthStatus />}
      {job && (
        <Box data-testid="status-job" sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
          <Typography variant="caption">
            {phaseLabel(job)} {formatCount(job.done)} / {formatCount(job.total)} ·{' '}
            {formatCount(job.ratePerSec)}/s
          </Typography>
          <LinearProgress
            variant="determinate"
            value={percent}
            sx={{ width: 140 }}
            aria-label="Job progress"
          />
        </Box>
      )}
      {info && (
        <Button
          size="small"
          color="inherit"
          startIcon={<HistoryIcon sx={{ fontSize: '14px !important' }} />}
          onClick={() => setJobsOpen(true)}
          data-testid="status-jobs"
          sx={{ fontSize: 12, py: 0, minHeight: 0, textTransform: 'none' }}
        >
          Jobs
        </Button>
      )}
      {jobsOpen && <JobsDialog onClose={() => setJobsOpen(false)} />}
    </Box>
  );
}
