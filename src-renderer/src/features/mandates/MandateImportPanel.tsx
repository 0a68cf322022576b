import { useRef, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { MandateImportDto } from '../../../../src-shared/dto/mandates';
import { call, errorMessage } from '../../api/client';
import { readBase64 } from '../../api/upload';
import { useApiMutation } from '../../components/query';
import { showValue } from './labels';

/** The fields whose change a row shows, in this order. */
const SHOWN = ['status', 'reference', 'debtorName', 'iban', 'bic', 'sortCode', 'routingNo', 'bankAccountNo'];

/** What changes from before to after, as "field: old → new" lines (unchanged fields are left out). */
function changes(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const k of SHOWN)
    if (k in after && JSON.stringify(before[k]) !== JSON.stringify(after[k]))
      out.push(`${k}: ${showValue(before[k])} → ${showValue(after[k])}`);
  if (after.pendingAmendment) out.push(`amendment to present: ${JSON.stringify(after.pendingAmendment)}`);
  return out;
}

/**
 * The bank's mandate revision file (ADDACS-like CSV): choose it, see per row the mandate, the action of its
 * revision code and what changes, or the problems (line, column, reason); apply it only when clean. All rows
 * apply or none.
 */
export function MandateImportPanel({ canApply }: { canApply: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<{ name: string; content: string } | null>(null);
  const [result, setResult] = useState<MandateImportDto | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reading, setReading] = useState(false);
  const applying = useApiMutation('mandates:import');
  const busy = reading || applying.busy;

  const preview = async (chosen: File) => {
    setError(null);
    setResult(null);
    setReading(true);
    try {
      const content = await readBase64(chosen);
      setFile({ name: chosen.name, content });
      // A preview changes nothing: a plain call, not a mutation that would re-read every list.
      setResult(await call('mandates:import', { content, fileName: chosen.name, preview: true }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setReading(false);
    }
  };
  const apply = async () => {
    if (!file) return;
    try {
      setResult(await applying.run({ content: file.content, fileName: file.name }));
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const clean = result !== null && result.problems.length === 0;

  return (
    <Paper
      variant="outlined"
      sx={{ p: 2, display: 'flex', flexDirection: 'column', gap: 2 }}
      data-testid="mandate-import"
    >
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2 }}>
        <Typography variant="subtitle2" sx={{ flex: 1 }}>
          Bank mandate file {file ? `· ${file.name}` : ''}
        </Typography>
        <input
          ref={input}
          type="file"
          accept=".csv,text/csv,text/plain"
          hidden
          data-testid="mandate-import-file"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void preview(f);
            e.target.value = '';
          }}
        />
        <Button
          variant="outlined"
          size="small"
          disabled={busy || !canApply}
          onClick={() => input.current?.click()}
        >
          Choose file…
        </Button>
        <Button
          variant="contained"
          size="small"
          disabled={busy || !clean || !result.preview || !canApply}
          onClick={() => void apply()}
          data-testid="mandate-import-apply"
        >
          Apply {result?.rows.length ?? 0} row(s)
        </Button>
      </Box>
      <Typography variant="caption" color="text.secondary">
        CSV with a header: reference, revision_code (required), effective_date, new_reference, new_iban,
        new_bic, new_sort_code, new_account_no, new_routing_no, new_name, creditor. Revision codes are
        configured in Admin.
      </Typography>
      {error && (
        <Alert severity="error" data-testid="mandate-import-error">
          {error}
        </Alert>
      )}
      {result && result.problems.length > 0 && (
        <Alert severity="error" data-testid="mandate-import-problems">
          {result.problems.length} problem(s): nothing will be applied until the file is corrected.
          <Box component="ul" sx={{ m: 0, pl: 2 }}>
            {result.problems.map((p, i) => (
              <li key={i}>
                line {p.line}, {p.column}: {p.reason}
              </li>
            ))}
          </Box>
        </Alert>
      )}
      {result && !result.preview && (
        <Alert severity="success" data-testid="mandate-import-applied">
          Applied {result.applied} row(s); their workflow events are raised.
        </Alert>
      )}
      {result && result.rows.length > 0 && (
        <Table size="small" aria-label="Mandate file rows">
          <TableHead>
            <TableRow>
              <TableCell>Line</TableCell>
              <TableCell>Mandate</TableCell>
              <TableCell>Account</TableCell>
              <TableCell>Code</TableCell>
              <TableCell>Action</TableCell>
              <TableCell>Change</TableCell>
              <TableCell>Event</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {result.rows.map((r) => (
              <TableRow key={r.line} data-testid={`mandate-import-row-${r.line}`}>
                <TableCell>{r.line}</TableCell>
                <TableCell sx={{ fontFamily: 'monospace' }}>
                  {r.reference} <span style={{ opacity: 0.6 }}>({r.creditor})</span>
                </TableCell>
                <TableCell>{r.accountNo}</TableCell>
                <TableCell>{r.code}</TableCell>
                <TableCell>
                  <Chip
                    size="small"
                    label={r.action}
                    color={r.action === 'cancel' ? 'error' : 'info'}
                    variant="outlined"
                    sx={{ height: 20, fontSize: 11 }}
                  />
                </TableCell>
                <TableCell sx={{ fontSize: 12 }}>
                  {changes(r.before, r.after).map((c) => (
                    <div key={c}>{c}</div>
                  ))}
                  {changes(r.before, r.after).length === 0 && (
                    <em>no new details: the event asks for them</em>
                  )}
                </TableCell>
                <TableCell sx={{ fontSize: 12 }}>{r.event}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Paper>
  );
}
