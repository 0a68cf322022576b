import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { ConfirmationDto } from '../../../src-shared/dto/confirmations';
import { formatCount, type MoneyFormatter } from './format';

/**
 * What a prepared outgoing-money operation will send, as the server computed it: the count and the total
 * per currency (never added across currencies), then per processor and merchant or per entry status.
 */
export function ConfirmationSummary({ preview, money }: { preview: ConfirmationDto; money: MoneyFormatter }) {
  const skipped = Object.entries(preview.skipped ?? {}).filter(([, n]) => n > 0);
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.5 }} data-testid="confirmation-summary">
      <Typography variant="subtitle1" data-testid="confirmation-description">
        {preview.description}
        {preview.window?.start ? ` · window ${preview.window.start} – ${preview.window.end}` : ''}
      </Typography>
      <Table size="small" data-testid="confirmation-totals">
        <TableHead>
          <TableRow>
            <TableCell>Currency</TableCell>
            <TableCell align="right">Count</TableCell>
            <TableCell align="right">Total</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {preview.totals.map((t) => (
            <TableRow key={t.currency} data-testid={`confirmation-total-${t.currency}`}>
              <TableCell>{t.currency}</TableCell>
              <TableCell align="right">{formatCount(t.count)}</TableCell>
              <TableCell align="right" sx={{ fontWeight: 600 }}>
                {money(t.amountMinor, t.currency, true)}
              </TableCell>
            </TableRow>
          ))}
          {preview.totals.length === 0 && (
            <TableRow>
              <TableCell colSpan={3}>Nothing to send.</TableCell>
            </TableRow>
          )}
        </TableBody>
      </Table>
      {preview.groups.length > 0 && (
        <Table size="small" data-testid="confirmation-groups">
          <TableHead>
            <TableRow>
              <TableCell>{preview.processor ? 'Processor · merchant' : 'Entry status'}</TableCell>
              <TableCell align="right">Count</TableCell>
              <TableCell align="right">Amounts</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {preview.groups.map((g) => (
              <TableRow key={g.label}>
                <TableCell>{g.label}</TableCell>
                <TableCell align="right">{formatCount(g.count)}</TableCell>
                <TableCell align="right">
                  {g.totals.map((t) => money(t.amountMinor, t.currency, true)).join(' · ')}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {skipped.length > 0 && (
        <Box sx={{ display: 'flex', gap: 0.5, flexWrap: 'wrap', alignItems: 'center' }}>
          <Typography variant="caption" color="text.secondary">
            Left out:
          </Typography>
          {skipped.map(([k, n]) => (
            <Chip key={k} size="small" variant="outlined" label={`${k} ${formatCount(n)}`} />
          ))}
        </Box>
      )}
      {preview.limit && (
        <Typography variant="caption" color="text.secondary">
          Confirmation needed above {money(preview.limit.amountMinor, preview.limit.currency, true)} (setting
          confirm.submitAboveAmount).
        </Typography>
      )}
    </Box>
  );
}
