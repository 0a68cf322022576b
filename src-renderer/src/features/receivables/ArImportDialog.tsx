import { useRef, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import LinearProgress from '@mui/material/LinearProgress';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { ArImportFileSummaryDto, ArImportSummaryDto } from '../../../../src-shared/dto/app';
import type { ArPreviewDto } from '../../../../src-shared/dto/desk-ops';
import { call, errorMessage } from '../../api/client';
import { INLINE_FILE_BYTES, readBase64, uploadFile } from '../../api/upload';
import { formatCount } from '../../components/format';

/** The four receivables files, in the order the import reads them. */
const KINDS = [
  { key: 'accounts', label: 'Accounts', hint: 'accounts.csv' },
  { key: 'billUnits', label: 'Bill units', hint: 'bill_units.csv' },
  { key: 'bills', label: 'Bills', hint: 'bills.csv' },
  { key: 'items', label: 'Bill items', hint: 'items.csv' },
] as const;

type Kind = (typeof KINDS)[number]['key'];
type Source = { content: string; fileName: string } | { uploadId: string };
type Chosen = { name: string; source: Source };

/** The AR command input for the chosen files (each one inline or as an upload). */
function inputOf(files: Partial<Record<Kind, Chosen>>): Partial<Record<`${Kind}Upload`, Source>> {
  return Object.fromEntries(Object.entries(files).map(([k, f]) => [`${k}Upload`, f.source]));
}

/**
 * The receivables import (accounts, bill units, bills, items; any subset) in the app: choose the files,
 * Preview checks every row of every file and reports the counts or every problem (file, line, column, reason),
 * and Import loads them all or nothing.
 */
export function ArImportDialog({ onClose }: { onClose: () => void }) {
  const [files, setFiles] = useState<Partial<Record<Kind, Chosen>>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [preview, setPreview] = useState<ArPreviewDto | null>(null);
  const [done, setDone] = useState<ArImportSummaryDto | null>(null);
  const inputs = useRef<Partial<Record<Kind, HTMLInputElement | null>>>({});

  const choose = async (kind: Kind, f: File | undefined) => {
    if (!f) return;
    setError(null);
    setPreview(null);
    setDone(null);
    setBusy(`Reading ${f.name}`);
    try {
      const source: Source =
        f.size <= INLINE_FILE_BYTES
          ? { content: await readBase64(f), fileName: f.name }
          : { uploadId: (await uploadFile(f)).uploadId };
      setFiles((cur) => ({ ...cur, [kind]: { name: f.name, source } }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
      const el = inputs.current[kind];
      if (el) el.value = '';
    }
  };

  const runPreview = async () => {
    setBusy('Checking');
    setError(null);
    try {
      setPreview(await call('ar:preview', inputOf(files)));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  const runImport = async () => {
    setBusy('Importing');
    setError(null);
    try {
      setDone(await call('ar:import', inputOf(files)));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  const chosen = Object.keys(files).length > 0;
  const summary = (done ?? (preview?.ok ? preview : null)) as Record<
    Kind,
    ArImportFileSummaryDto | undefined
  > | null;
  return (
    <Dialog
      open
      onClose={busy ? undefined : onClose}
      maxWidth="md"
      fullWidth
      data-testid="ar-import-dialog"
      aria-labelledby="ar-import-title"
    >
      <DialogTitle id="ar-import-title">Import receivables</DialogTitle>
      <LinearProgress sx={{ height: 2, visibility: busy ? 'visible' : 'hidden' }} aria-hidden />
      <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 1.5, pt: '8px !important' }}>
        <Typography variant="body2" color="textSecondary">
          Choose any of the four files from the billing system. Preview checks every row and changes nothing;
          Import loads them all or nothing.
        </Typography>
        <Box sx={{ display: 'grid', gridTemplateColumns: '120px 1fr auto', gap: 1, alignItems: 'center' }}>
          {KINDS.map((k) => (
            <Box key={k.key} sx={{ display: 'contents' }}>
              <Typography variant="body2" sx={{ fontWeight: 600 }}>
                {k.label}
              </Typography>
              <Typography
                variant="body2"
                sx={{ fontFamily: 'monospace', color: files[k.key] ? 'text.primary' : 'text.disabled' }}
                data-testid={`ar-file-${k.key}`}
              >
                {files[k.key]?.name ?? k.hint}
              </Typography>
              <Box>
                <input
                  ref={(el) => {
                    inputs.current[k.key] = el;
                  }}
                  type="file"
                  accept=".csv,text/csv"
                  hidden
                  onChange={(e) => void choose(k.key, e.target.files?.[0])}
                  data-testid={`ar-input-${k.key}`}
                />
                <Button size="small" onClick={() => inputs.current[k.key]?.click()} disabled={busy !== null}>
                  {files[k.key] ? 'Change…' : 'Choose…'}
                </Button>
              </Box>
            </Box>
          ))}
        </Box>
        {preview && !preview.ok && (
          <Alert severity="error" data-testid="ar-problems">
            {formatCount(preview.problemCount)} problem{preview.problemCount === 1 ? '' : 's'}: nothing can be
            imported until they are fixed.
            {preview.problems.length < preview.problemCount
              ? ` The first ${formatCount(preview.problems.length)} are listed.`
              : ''}
          </Alert>
        )}
        {preview && !preview.ok && (
          <TableContainer sx={{ maxHeight: 300 }}>
            <Table size="small" stickyHeader aria-label="Problems in the files" data-testid="ar-problem-rows">
              <TableHead>
                <TableRow>
                  <TableCell>File</TableCell>
                  <TableCell align="right">Line</TableCell>
                  <TableCell>Column</TableCell>
                  <TableCell>Problem</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {preview.problems.map((p, i) => (
                  <TableRow key={i}>
                    <TableCell sx={{ fontFamily: 'monospace' }}>{p.file}</TableCell>
                    <TableCell align="right">{p.line}</TableCell>
                    <TableCell sx={{ fontFamily: 'monospace' }}>{p.column}</TableCell>
                    <TableCell sx={{ whiteSpace: 'normal' }}>{p.reason}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableContainer>
        )}
        {summary && (
          <Table size="small" aria-label={done ? 'Imported' : 'Would import'} data-testid="ar-counts">
            <TableHead>
              <TableRow>
                <TableCell>File</TableCell>
                <TableCell align="right">Rows</TableCell>
                <TableCell align="right">{done ? 'Inserted' : 'To insert'}</TableCell>
                <TableCell align="right">{done ? 'Updated' : 'To update'}</TableCell>
                <TableCell align="right">Unchanged</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {KINDS.map((k) => {
                const f = summary[k.key];
                return f ? (
                  <TableRow key={k.key} data-testid={`ar-count-${k.key}`}>
                    <TableCell sx={{ fontFamily: 'monospace' }}>{f.file}</TableCell>
                    <TableCell align="right">{formatCount(f.rows)}</TableCell>
                    <TableCell align="right">{formatCount(f.inserted)}</TableCell>
                    <TableCell align="right">{formatCount(f.updated)}</TableCell>
                    <TableCell align="right">{formatCount(f.unchanged)}</TableCell>
                  </TableRow>
                ) : null;
              })}
            </TableBody>
          </Table>
        )}
        {preview?.ok && !done && (
          <Alert severity="success" data-testid="ar-preview-ok">
            Every row checks out. Nothing is imported yet.
          </Alert>
        )}
        {done && (
          <Alert severity="success" data-testid="ar-done">
            Receivables imported.
          </Alert>
        )}
        {error && (
          <Alert severity="error" data-testid="ar-error">
            {error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy !== null}>
          Close
        </Button>
        <Button
          onClick={() => void runPreview()}
          disabled={!chosen || busy !== null || done !== null}
          data-testid="ar-preview"
        >
          Preview
        </Button>
        <Button
          variant="contained"
          onClick={() => void runImport()}
          disabled={!preview?.ok || busy !== null || done !== null}
          data-testid="ar-import"
        >
          Import
        </Button>
      </DialogActions>
    </Dialog>
  );
}
