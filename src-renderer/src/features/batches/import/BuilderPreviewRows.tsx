import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { BankFilePreviewDto } from '../../../../../src-shared/dto/batches';
import { formatDate } from '../../../components/format';

/** The file as the template being built reads it: header/footer figures, the first rows and every problem. */
export function BuilderPreviewRows({
  preview,
  error,
}: {
  preview: BankFilePreviewDto | null;
  error: string | null;
}) {
  if (error)
    return (
      <Alert severity="error" data-testid="builder-preview-error">
        {error}
      </Alert>
    );
  if (!preview) return <Typography variant="caption">Reading the file with this layout…</Typography>;
  const fields = [...new Set(preview.rows.flatMap((r) => Object.keys(r.fields)))];
  const figures = [preview.header, preview.footer]
    .flatMap((b) => [
      b.lockboxNo && `lockbox ${b.lockboxNo}`,
      b.date && `date ${formatDate(b.date)}`,
      b.count !== null && `count ${b.count}`,
      b.total !== null && `total ${b.total}`,
    ])
    .filter(Boolean);
  return (
    <Box data-testid="builder-rows" data-rows-with-problems={preview.rowsWithProblems}>
      {figures.length > 0 && (
        <Typography variant="caption" color="textSecondary" data-testid="builder-figures">
          {figures.join(' · ')}
        </Typography>
      )}
      {preview.fileErrors.length > 0 && (
        <Alert severity="error" data-testid="builder-file-errors" sx={{ my: 0.5 }}>
          {preview.fileErrors.map((e) => `${e.line ? `line ${e.line}: ` : ''}${e.reason}`).join('; ')}
        </Alert>
      )}
      <Table size="small">
        <TableHead>
          <TableRow>
            <TableCell>Line</TableCell>
            {fields.map((f) => (
              <TableCell key={f}>{f}</TableCell>
            ))}
            <TableCell>Problems</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {preview.rows.map((r) => (
            <TableRow key={r.line} data-testid={`builder-row-${r.line}`}>
              <TableCell>{r.line}</TableCell>
              {fields.map((f) => (
                <TableCell key={f} sx={{ fontFamily: 'monospace', whiteSpace: 'pre' }}>
                  {f === 'amount' && r.amount !== null ? r.amount : (r.fields[f] ?? '')}
                </TableCell>
              ))}
              <TableCell sx={{ color: 'error.main' }}>{r.problems.join('; ')}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}
