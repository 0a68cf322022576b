import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import LinearProgress from '@mui/material/LinearProgress';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import RefreshIcon from '@mui/icons-material/Refresh';
import { useApiQuery } from '../../components/query';
import { formatCount } from '../../components/format';
import { exportRange, formatDateTime } from './report-format';

/** The last part of a path (the file name), for a compact list. */
function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** The integration exports run so far (`paydesk export posted|gl`), newest first: for supervisors to follow. */
export function ExportsPanel() {
  // Runs come from the command line, which tells this window nothing: the list refreshes on demand.
  const { data: rows, error, refetch } = useApiQuery('exports:list', { limit: 100 });

  return (
    <Box data-testid="exports-panel" sx={{ display: 'flex', flexDirection: 'column', gap: 1 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
        <Typography variant="h6">Exports to billing and G/L</Typography>
        <Box sx={{ flex: 1 }} />
        <Button size="small" startIcon={<RefreshIcon />} onClick={refetch} data-testid="exports-refresh">
          Refresh
        </Button>
      </Box>
      <Typography variant="body2" color="textSecondary">
        Runs of <code>paydesk export posted</code> and <code>paydesk export gl</code>, newest first. A
        watermark run starts where the last one ended; a range run re-exports a past period on purpose.
      </Typography>
      {!rows && !error && <LinearProgress sx={{ height: 2 }} aria-label="Loading" />}
      {error && <Alert severity="error">{error}</Alert>}
      {rows && rows.length === 0 && (
        <Alert severity="info" data-testid="exports-empty">
          No exports have run yet.
        </Alert>
      )}
      {rows && rows.length > 0 && (
        <TableContainer sx={{ border: 1, borderColor: 'divider', borderRadius: 1 }}>
          <Table size="small" sx={{ '& td, & th': { py: 0.5 } }} data-testid="exports-table">
            <TableHead>
              <TableRow>
                <TableCell sx={{ fontWeight: 600 }}>#</TableCell>
                <TableCell sx={{ fontWeight: 600 }}>Kind</TableCell>
                <TableCell sx={{ fontWeight: 600 }}>Mode</TableCell>
                <TableCell sx={{ fontWeight: 600 }} align="right">
                  Records
                </TableCell>
                <TableCell sx={{ fontWeight: 600 }}>Range</TableCell>
                <TableCell sx={{ fontWeight: 600 }}>Files</TableCell>
                <TableCell sx={{ fontWeight: 600 }}>When</TableCell>
                <TableCell sx={{ fontWeight: 600 }}>Who</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {rows.map((r) => (
                <TableRow key={r.id} data-testid="export-run">
                  <TableCell>{r.id}</TableCell>
                  <TableCell>{r.kind === 'gl' ? 'G/L journal' : 'Posted'}</TableCell>
                  <TableCell>{r.mode}</TableCell>
                  <TableCell align="right">{formatCount(r.records)}</TableCell>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{exportRange(r)}</TableCell>
                  <TableCell>
                    {r.files.map((f) => (
                      <Tooltip key={f.path} title={`${f.path} · sha256 ${f.sha256}`}>
                        <Box component="span" sx={{ fontFamily: 'monospace', mr: 1, fontSize: 12 }}>
                          {baseName(f.path)} ({formatCount(f.bytes)} B)
                        </Box>
                      </Tooltip>
                    ))}
                  </TableCell>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(r.at)}</TableCell>
                  <TableCell>{r.operator ?? 'system'}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
    </Box>
  );
}
