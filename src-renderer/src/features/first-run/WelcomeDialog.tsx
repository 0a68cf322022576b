import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import LinearProgress from '@mui/material/LinearProgress';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import { call, errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { useJobProgress } from '../../app/use-job-progress';
import { CancelJobButton, isCancelledError } from '../../app/CancelJobButton';
import { formatCount } from '../../components/format';
import { useApiQuery } from '../../components/query';
import { TeamServerDialog } from '../../components/TeamServerDialog';

const SIZES = [1_000, 10_000, 100_000] as const;
const MAX_SEED = 2_147_483_647;

/** Parses the seed field: a whole number 0 … 2^31-1, else null. */
function parseSeed(text: string): number | null {
  if (!/^\d{1,10}$/.test(text.trim())) return null;
  const n = Number(text.trim());
  return n <= MAX_SEED ? n : null;
}

/**
 * First-run dialog: load a deterministic demo book of accounts, start with an empty ledger, or (desktop app)
 * connect to the team's Paydesk server instead.
 */
export function WelcomeDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { info, refresh } = useAppInfo();
  const job = useJobProgress();
  const [size, setSize] = useState<number>(SIZES[0]);
  const [seedText, setSeedText] = useState('1');
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [team, setTeam] = useState(false);
  const teamServer = useApiQuery('desktop:team-server', {}, { enabled: open }).data;
  const seed = parseSeed(seedText);

  const load = async () => {
    if (seed === null) return;
    setLoading(true);
    setError(null);
    try {
      await call('demo:load', { accounts: size, seed });
      await refresh();
      onClose();
    } catch (err) {
      // Cancelled, the ledger is still empty: say so and offer the choice again.
      setError(isCancelledError(err) ? 'Demo load cancelled: the ledger is still empty.' : errorMessage(err));
      await refresh();
    } finally {
      setLoading(false);
    }
  };

  const demoJob = loading && job?.kind === 'demo' ? job : null;
  const percent = demoJob && demoJob.total > 0 ? Math.min(100, (demoJob.done / demoJob.total) * 100) : 0;
  return (
    <Dialog
      open={open}
      onClose={loading ? undefined : onClose}
      maxWidth="sm"
      fullWidth
      aria-labelledby="welcome-title"
      data-testid="welcome-dialog"
    >
      <DialogTitle id="welcome-title">Welcome to Paydesk</DialogTitle>
      <DialogContent>
        <Typography sx={{ mb: 1 }}>
          This ledger has no accounts yet. You can fill it with a generated demo book of customers, bill units
          and open bills to explore the app, or start empty and import your own receivables.
        </Typography>
        <Typography variant="body2" color="textSecondary" sx={{ mb: 2.5, wordBreak: 'break-all' }}>
          Ledger file: {info?.ledgerFile ?? '…'}
        </Typography>
        <Typography variant="subtitle2" id="demo-size-label" sx={{ mb: 1 }}>
          Demo size
        </Typography>
        <Box sx={{ display: 'flex', flexDirection: 'column', alignItems: 'flex-start', gap: 2.5 }}>
          <ToggleButtonGroup
            value={size}
            exclusive
            size="small"
            color="primary"
            aria-labelledby="demo-size-label"
            disabled={loading}
            onChange={(_e, v: number | null) => v !== null && setSize(v)}
          >
            {SIZES.map((n) => (
              <ToggleButton key={n} value={n} data-testid={`demo-size-${n}`} sx={{ px: 2 }}>
                {formatCount(n)} accounts
              </ToggleButton>
            ))}
          </ToggleButtonGroup>
          <TextField
            label="Seed"
            size="small"
            value={seedText}
            disabled={loading}
            onChange={(e) => setSeedText(e.target.value)}
            error={seed === null}
            helperText={seed === null ? 'A whole number from 0' : 'The same seed always gives the same data'}
            sx={{ width: 300 }}
            slotProps={{ htmlInput: { inputMode: 'numeric', 'data-testid': 'demo-seed' } }}
          />
        </Box>
        {loading && (
          <Box sx={{ mt: 2 }} data-testid="demo-progress">
            <LinearProgress
              variant={demoJob && demoJob.total > 0 ? 'determinate' : 'indeterminate'}
              value={percent}
            />
            <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5, mt: 0.5 }}>
              <Typography variant="caption" color="textSecondary">
                {demoJob && demoJob.total > 0
                  ? `${demoJob.phase}: ${formatCount(demoJob.done)} of ${formatCount(demoJob.total)} · ${formatCount(demoJob.ratePerSec)}/s`
                  : 'Generating demo data…'}
              </Typography>
              <CancelJobButton job={demoJob} onRefused={setError} testId="demo-cancel" />
            </Box>
          </Box>
        )}
        {error && (
          <Alert severity="error" sx={{ mt: 2 }}>
            {error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions sx={{ px: 3, pb: 2 }}>
        {teamServer?.available && (
          <Button
            onClick={() => setTeam(true)}
            disabled={loading}
            data-testid="first-run-team-server"
            sx={{ mr: 'auto' }}
          >
            Connect to a team server…
          </Button>
        )}
        <Button onClick={onClose} disabled={loading} data-testid="start-empty">
          Start with an empty ledger
        </Button>
        <Button
          variant="contained"
          onClick={() => void load()}
          disabled={loading || seed === null}
          data-testid="load-demo"
        >
          Load demo data
        </Button>
      </DialogActions>
      {team && <TeamServerDialog ledgerFile={info?.ledgerFile ?? ''} onClose={() => setTeam(false)} />}
    </Dialog>
  );
}
