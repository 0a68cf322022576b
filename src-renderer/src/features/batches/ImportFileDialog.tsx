import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import LinearProgress from '@mui/material/LinearProgress';
import MenuItem from '@mui/material/MenuItem';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import { alpha } from '@mui/material/styles';
import UploadFileIcon from '@mui/icons-material/UploadFile';
import type {
  BankFilePreviewDto,
  BatchDto,
  BatchTypeDto,
  ImportTemplateDto,
} from '../../../../src-shared/dto/batches';
import { PAY_TYPE } from '../../../../src-shared/pay-types';
import { ApiCallError, call, errorMessage } from '../../api/client';
import { INLINE_FILE_BYTES, readBase64, UploadCancelled, uploadFile } from '../../api/upload';
import { useAppInfo } from '../../app/app-info';
import { useJobProgress } from '../../app/use-job-progress';
import { CancelJobButton, isCancelledError } from '../../app/CancelJobButton';
import { formatCount, formatDate } from '../../components/format';
import { apiQueryKey, putAnswer, useApiQuery } from '../../components/query';
import type { ReturnsPreviewDto } from '../../../../src-shared/dto/returns';
import { ReturnsImportDialog } from '../returns';
import { BATCH_PAY_TYPES, payTypeLabel } from './labels';
import { TemplateBuilder } from './import/TemplateBuilder';
import { DetectedFormat, useDetectedFormat } from './import/DetectedFormat';
import { firstLines } from './import/builder-model';

/** Delimiters offered for an ad-hoc mapping (any other single character can be typed). */
const DELIMITERS: { value: string; label: string }[] = [
  { value: ',', label: 'Comma ,' },
  { value: ';', label: 'Semicolon ;' },
  { value: '\t', label: 'Tab' },
  { value: '|', label: 'Pipe |' },
  { value: ' ', label: 'Space' },
];

const DATE_FORMATS = [
  'MM/dd/yyyy',
  'dd/MM/yyyy',
  'dd.MM.yyyy',
  'yyyy-MM-dd',
  'M/d/yyyy',
  'yyyyMMdd',
  'MM/dd/yy',
];

/** A chosen file as the commands take it: small files inline (base64), larger ones as an upload id. */
type ChosenFile = { name: string; size: number; content?: string; uploadId?: string };

/** The file fields of a preview or import command for a chosen file. */
function fileSource(f: ChosenFile): { content: string; fileName: string } | { uploadId: string } {
  return f.uploadId !== undefined ? { uploadId: f.uploadId } : { content: f.content ?? '', fileName: f.name };
}

/** Megabytes with one decimal, for upload progress. */
function mb(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

type Mapping = {
  delimiter: string;
  columns: string;
  dateFormat: string;
  headerLines: string;
  hasColumnHeader: boolean;
  decimalComma: boolean;
};

/** An inline template from the ad-hoc fields: one field name per column, an empty name skips that column. */
function inlineTemplate(m: Mapping, name: string): Record<string, unknown> {
  return {
    name: name || 'ad hoc',
    format: 'delimited',
    delimiter: m.delimiter,
    columns: m.columns
      .split(',')
      .map((f, index) => ({ field: f.trim(), index }))
      .filter((c) => c.field !== ''),
    dateFormat: m.dateFormat,
    headerLines: /^\d+$/.test(m.headerLines.trim()) ? Number(m.headerLines.trim()) : 0,
    hasColumnHeader: m.hasColumnHeader,
    ...(m.decimalComma ? { decimalSeparator: ',' } : {}),
  };
}

/** The input of templates:list (one object, so the cache key stays the same). */
const NO_INPUT = {};
const NO_TEMPLATES: ImportTemplateDto[] = [];

/**
 * Import a bank file into a new batch: choose the file, a saved template or an ad-hoc mapping, see the first rows
 * as they will be read with every problem (nothing is staged), then import as a job with progress. A small file's
 * bytes go inline in the commands (base64); a larger one is first uploaded with a progress bar and a cancel
 * button (streamed to the bridge in a browser, in chunks over IPC on the desktop) and then named by its upload id.
 */
export function ImportFileDialog({
  onClose,
  onImported,
}: {
  onClose: () => void;
  onImported: (b: BatchDto) => void;
}) {
  const { info } = useAppInfo();
  const currencies = info?.currencies ?? [];
  const progress = useJobProgress();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<ChosenFile | null>(null);
  const [uploading, setUploading] = useState<{ name: string; done: number; total: number } | null>(null);
  const uploadAbort = useRef<AbortController | null>(null);
  // The upload not yet used by an import: deleted when another file is chosen or the dialog closes.
  const pendingUpload = useRef<string | null>(null);
  const imported = useRef(false);
  useEffect(
    () => () => {
      uploadAbort.current?.abort();
      if (pendingUpload.current && !imported.current)
        void call('files:upload-discard', { uploadId: pendingUpload.current }).catch(() => undefined);
    },
    [],
  );
  // The saved templates through the query cache; one saved here is put into the cache at once, so the choice
  // that names it always has its option.
  const queryClient = useQueryClient();
  const templatesQuery = useApiQuery('templates:list', NO_INPUT);
  const templates = templatesQuery.data ?? NO_TEMPLATES;
  const setTemplates = useCallback(
    (saved: ImportTemplateDto) =>
      void putAnswer<ImportTemplateDto[]>(
        queryClient,
        apiQueryKey('templates:list', NO_INPUT),
        (all = []) => [...all.filter((x) => x.name !== saved.name), saved],
      ),
    [queryClient],
  );
  const [source, setSource] = useState<'template' | 'adhoc' | 'build'>('template');
  const [templateName, setTemplateName] = useState('');
  // When the templates first arrive: the first is proposed, or without any the clerk maps the columns
  // (adjusted while rendering, as React advises).
  const [proposed, setProposed] = useState(false);
  if (!proposed && templatesQuery.data) {
    setProposed(true);
    if (templatesQuery.data.length > 0) setTemplateName((n) => n || (templatesQuery.data?.[0]?.name ?? ''));
    else setSource('adhoc');
  }
  const [mapping, setMapping] = useState<Mapping>({
    delimiter: ',',
    columns: 'accountNo,amount,paymentDate,checkNo',
    dateFormat: 'MM/dd/yyyy',
    headerLines: '0',
    hasColumnHeader: true,
    decimalComma: false,
  });
  const [saveAs, setSaveAs] = useState('');
  const [batchType, setBatchType] = useState<BatchTypeDto>('payment');
  const [payType, setPayType] = useState<number>(PAY_TYPE.check);
  const [currency, setCurrency] = useState(
    currencies.find((c) => c.code === 'USD')?.code ?? currencies[0]?.code ?? 'USD',
  );
  const [level, setLevel] = useState<'bill' | 'item'>('bill');
  const [importing, setImporting] = useState(false);
  const [force, setForce] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** Why the last import stopped when it was cancelled: nothing was imported. */
  const [cancelled, setCancelled] = useState<string | null>(null);

  const templateInput = useMemo(
    () =>
      source === 'template'
        ? templateName
          ? { templateName }
          : null
        : source === 'build'
          ? null
          : { template: inlineTemplate(mapping, saveAs.trim()) },
    [source, templateName, mapping, saveAs],
  );

  // Every change of file, template or currency previews again (nothing is staged by a preview); a result
  // belongs to the request it answered, so a stale one is never shown.
  const request = useMemo(
    () => (file && templateInput ? { file, templateInput, currency } : null),
    [file, templateInput, currency],
  );
  const [result, setResult] = useState<{ request: object; preview: BankFilePreviewDto | null } | null>(null);
  useEffect(() => {
    if (!request) return;
    let live = true;
    const t = setTimeout(() => {
      call('batches:preview-file', {
        ...fileSource(request.file),
        currency: request.currency,
        previewRows: 20,
        ...request.templateInput,
      }).then(
        (p) => {
          if (!live) return;
          // A camt.053 statement states its currency: the batch takes it (the import refuses any other). Its
          // credits are bank transfers received: a payment batch of wire transfers unless the clerk picks another.
          if (p.statement && p.statement.currency !== request.currency) {
            setCurrency(p.statement.currency);
            setBatchType('payment');
            setPayType(PAY_TYPE.wireTransfer);
          }
          setResult({ request, preview: p });
          setError(null);
          setForce(false);
        },
        (err: unknown) => {
          if (!live) return;
          setResult({ request, preview: null });
          setError(
            err instanceof ApiCallError && err.error.code === 'validation' && err.error.issues?.length
              ? `${err.error.message}: ${err.error.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`
              : errorMessage(err),
          );
        },
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [request]);
  const preview = request && result?.request === request ? result.preview : null;
  // A returns file (pain.002, camt.054, NACHA returns, rejection CSV) is recognised by its content: it becomes a
  // return batch instead, with its own preview.
  const [returns, setReturns] = useState<{ file: ChosenFile; preview: ReturnsPreviewDto } | null>(null);
  useEffect(() => {
    if (!file) return;
    let live = true;
    call('returns:preview', fileSource(file)).then(
      // A statement may be readable as returns and report none (a camt.053 of credits): then it is a bank file.
      (p) => live && setReturns(p.lines.length + p.changes.length > 0 ? { file, preview: p } : null),
      () => live && setReturns(null),
    );
    return () => {
      live = false;
    };
  }, [file]);
  const previewing = request !== null && result?.request !== request;
  const detected = useDetectedFormat(file && fileSource(file), file);

  const choose = async (f: File | undefined) => {
    if (!f) return;
    setError(null);
    if (pendingUpload.current) {
      void call('files:upload-discard', { uploadId: pendingUpload.current }).catch(() => undefined);
      pendingUpload.current = null;
    }
    setFile(null);
    try {
      if (f.size <= INLINE_FILE_BYTES) {
        setFile({ name: f.name, size: f.size, content: await readBase64(f) });
        return;
      }
      const abort = new AbortController();
      uploadAbort.current = abort;
      setUploading({ name: f.name, done: 0, total: f.size });
      const up = await uploadFile(f, {
        signal: abort.signal,
        onProgress: (done, total) => setUploading({ name: f.name, done, total }),
      });
      pendingUpload.current = up.uploadId;
      setFile({ name: f.name, size: up.bytes, uploadId: up.uploadId });
    } catch (err) {
      if (!(err instanceof UploadCancelled)) setError(errorMessage(err));
    } finally {
      uploadAbort.current = null;
      setUploading(null);
      if (input.current) input.current.value = '';
    }
  };

  const changeType = (t: BatchTypeDto | null) => {
    if (!t) return;
    setBatchType(t);
    if (!BATCH_PAY_TYPES[t].includes(payType)) setPayType(BATCH_PAY_TYPES[t][0] ?? PAY_TYPE.check);
  };

  const canImport =
    !!file &&
    !!templateInput &&
    !!preview &&
    !previewing &&
    !importing &&
    !uploading &&
    preview.fileErrors.length === 0 &&
    (!preview.alreadyImported || force);

  const runImport = async () => {
    if (!file || !templateInput || !canImport) return;
    setImporting(true);
    setError(null);
    setCancelled(null);
    try {
      if (source === 'adhoc' && saveAs.trim()) {
        const saved = await call('templates:save', {
          name: saveAs.trim(),
          definition: inlineTemplate(mapping, saveAs.trim()),
        });
        setTemplates(saved);
      }
      const r = await call('batches:import-file', {
        ...fileSource(file),
        batchType,
        payType,
        currency,
        allocationLevel: level,
        force,
        ...(source === 'adhoc' && saveAs.trim() ? { templateName: saveAs.trim() } : templateInput),
      });
      // The services deleted the upload once the import used it.
      imported.current = true;
      onImported(r.batch);
    } catch (err) {
      if (isCancelledError(err)) setCancelled(errorMessage(err));
      else setError(errorMessage(err));
      setImporting(false);
    }
  };

  const job = progress?.kind === 'batch-import' ? progress : null;
  const fieldNames = preview ? [...new Set(preview.rows.flatMap((r) => Object.keys(r.fields)))] : [];
  const setMap = (patch: Partial<Mapping>) => setMapping((m) => ({ ...m, ...patch }));

  if (returns && returns.file === file)
    return (
      <ReturnsImportDialog
        source={fileSource(returns.file)}
        preview={returns.preview}
        onBack={() => {
          setReturns(null);
          setFile(null);
        }}
        onClose={onClose}
        onImported={(b) => {
          imported.current = true;
          onImported(b);
        }}
      />
    );

  return (
    <Dialog
      open
      onClose={importing ? undefined : onClose}
      maxWidth="lg"
      fullWidth
      data-testid="import-dialog"
      aria-labelledby="import-title"
    >
      <DialogTitle id="import-title">Import bank file</DialogTitle>
      <LinearProgress
        variant={job && job.total > 0 ? 'determinate' : 'indeterminate'}
        value={job && job.total > 0 ? (100 * job.done) / job.total : 0}
        sx={{ height: 2, visibility: previewing || importing ? 'visible' : 'hidden' }}
        aria-hidden
      />
      <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2, pt: '8px !important' }}>
        <Box sx={{ display: 'flex', gap: 2, alignItems: 'center', flexWrap: 'wrap' }}>
          <input
            ref={input}
            type="file"
            hidden
            accept=".csv,.txt,.dat,.bai,.bai2,.prn,.xml,.ach,text/*,application/xml"
            onChange={(e) => void choose(e.target.files?.[0])}
            data-testid="import-file-input"
          />
          <Button
            variant="outlined"
            startIcon={<UploadFileIcon />}
            onClick={() => input.current?.click()}
            disabled={importing || !!uploading}
            data-testid="import-choose-file"
          >
            Choose file
          </Button>
          <Typography variant="body2" data-testid="import-file-name" sx={{ fontFamily: 'monospace' }}>
            {file ? `${file.name} · ${formatCount(file.size)} bytes` : uploading ? '' : 'No file chosen'}
          </Typography>
        </Box>
        {uploading && (
          <Box
            sx={{ display: 'flex', gap: 2, alignItems: 'center' }}
            data-testid="import-upload"
            data-done={uploading.done}
            data-total={uploading.total}
          >
            <Box sx={{ flex: 1 }}>
              <Typography variant="body2" sx={{ mb: 0.5 }} data-testid="import-upload-text">
                Uploading {uploading.name}: {mb(uploading.done)} of {mb(uploading.total)} MB (
                {uploading.total > 0 ? Math.floor((100 * uploading.done) / uploading.total) : 0}%)
              </Typography>
              <LinearProgress
                variant="determinate"
                value={uploading.total > 0 ? (100 * uploading.done) / uploading.total : 0}
                aria-label="Upload progress"
                data-testid="import-upload-progress"
              />
            </Box>
            <Button
              size="small"
              onClick={() => uploadAbort.current?.abort()}
              data-testid="import-upload-cancel"
            >
              Cancel upload
            </Button>
          </Box>
        )}

        <Box
          sx={{
            display: preview?.statement ? 'none' : 'flex',
            gap: 2,
            alignItems: 'flex-start',
            flexWrap: 'wrap',
          }}
        >
          <ToggleButtonGroup
            exclusive
            size="small"
            color="primary"
            value={source}
            onChange={(_e, v: 'template' | 'adhoc' | 'build' | null) => v && setSource(v)}
            aria-label="Column mapping"
          >
            <ToggleButton
              value="template"
              disabled={templates.length === 0}
              data-testid="import-source-template"
            >
              Saved template
            </ToggleButton>
            <ToggleButton value="adhoc" data-testid="import-source-adhoc">
              Ad-hoc mapping
            </ToggleButton>
            <ToggleButton value="build" disabled={!file?.content} data-testid="import-source-build">
              Build a layout
            </ToggleButton>
          </ToggleButtonGroup>
          {source === 'build' ? null : source === 'template' ? (
            <TextField
              select
              size="small"
              label="Template"
              value={templateName}
              onChange={(e) => setTemplateName(e.target.value)}
              sx={{ minWidth: 260 }}
              slotProps={{ select: { SelectDisplayProps: { 'data-testid': 'import-template' } as object } }}
            >
              {templates.map((t) => (
                <MenuItem key={t.name} value={t.name} data-testid={`import-template-${t.name}`}>
                  {t.name}
                  {t.bank ? ` · ${t.bank}` : ''}
                </MenuItem>
              ))}
            </TextField>
          ) : (
            <Box sx={{ display: 'flex', gap: 1.5, flexWrap: 'wrap', alignItems: 'center', flex: 1 }}>
              <TextField
                select
                size="small"
                label="Delimiter"
                value={mapping.delimiter}
                onChange={(e) => setMap({ delimiter: e.target.value })}
                sx={{ width: 140 }}
                slotProps={{
                  select: { SelectDisplayProps: { 'data-testid': 'import-delimiter' } as object },
                }}
              >
                {DELIMITERS.map((d, i) => (
                  <MenuItem key={d.label} value={d.value} data-testid={`import-delimiter-${i}`}>
                    {d.label}
                  </MenuItem>
                ))}
              </TextField>
              <TextField
                size="small"
                label="Columns (field per column)"
                value={mapping.columns}
                onChange={(e) => setMap({ columns: e.target.value })}
                helperText="accountNo, billNo, amount, paymentDate, checkNo, payerName, reference, paymentId, custom:name; empty skips"
                sx={{ flex: 1, minWidth: 320 }}
                slotProps={{ htmlInput: { 'data-testid': 'import-columns' } }}
              />
              <TextField
                select
                size="small"
                label="Date format"
                value={mapping.dateFormat}
                onChange={(e) => setMap({ dateFormat: e.target.value })}
                sx={{ width: 150 }}
              >
                {DATE_FORMATS.map((f) => (
                  <MenuItem key={f} value={f}>
                    {f}
                  </MenuItem>
                ))}
              </TextField>
              <TextField
                size="small"
                label="Header lines"
                value={mapping.headerLines}
                onChange={(e) => setMap({ headerLines: e.target.value })}
                sx={{ width: 110 }}
              />
              <FormControlLabel
                control={
                  <Checkbox
                    size="small"
                    checked={mapping.hasColumnHeader}
                    onChange={(e) => setMap({ hasColumnHeader: e.target.checked })}
                    slotProps={{ input: { 'data-testid': 'import-has-header' } as object }}
                  />
                }
                label="Column titles"
              />
              <FormControlLabel
                control={
                  <Checkbox
                    size="small"
                    checked={mapping.decimalComma}
                    onChange={(e) => setMap({ decimalComma: e.target.checked })}
                    slotProps={{ input: { 'data-testid': 'import-decimal-comma' } as object }}
                  />
                }
                label="Decimal comma"
              />
              <TextField
                size="small"
                label="Save as template"
                value={saveAs}
                onChange={(e) => setSaveAs(e.target.value)}
                sx={{ width: 200 }}
                slotProps={{ htmlInput: { 'data-testid': 'import-save-as', maxLength: 64 } }}
              />
            </Box>
          )}
        </Box>
        {detected && !preview?.statement && (
          <DetectedFormat
            proposal={detected}
            chosen={source === 'template' && templateName === detected.name}
            onUse={() => {
              setSource('template');
              setTemplateName(detected.name);
            }}
          />
        )}
        {source === 'build' && file?.content !== undefined && (
          <TemplateBuilder
            key={file.name}
            lines={firstLines(file.content)}
            source={fileSource(file)}
            currency={currency}
            onSaved={(t) => {
              setTemplates(t);
              setTemplateName(t.name);
              setSource('template');
            }}
          />
        )}

        <Box sx={{ display: 'flex', gap: 2, alignItems: 'center', flexWrap: 'wrap' }}>
          <ToggleButtonGroup
            exclusive
            size="small"
            color="primary"
            value={batchType}
            onChange={(_e, v: BatchTypeDto | null) => changeType(v)}
            aria-label="Batch type"
          >
            <ToggleButton value="payment" data-testid="import-type-payment">
              Payment
            </ToggleButton>
            <ToggleButton value="refund" data-testid="import-type-refund">
              Refund
            </ToggleButton>
            <ToggleButton value="reversal" data-testid="import-type-reversal">
              Reversal
            </ToggleButton>
          </ToggleButtonGroup>
          <TextField
            select
            size="small"
            label="Pay type"
            value={payType}
            onChange={(e) => setPayType(Number(e.target.value))}
            sx={{ minWidth: 200 }}
          >
            {BATCH_PAY_TYPES[batchType].map((p) => (
              <MenuItem key={p} value={p}>
                {payTypeLabel(p)} ({p})
              </MenuItem>
            ))}
          </TextField>
          <TextField
            select
            size="small"
            label="Currency"
            value={currency}
            onChange={(e) => setCurrency(e.target.value)}
            sx={{ width: 120 }}
          >
            {currencies.map((c) => (
              <MenuItem key={c.code} value={c.code}>
                {c.code}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            select
            size="small"
            label="Allocation level"
            value={level}
            onChange={(e) => setLevel(e.target.value as 'bill' | 'item')}
            sx={{ width: 150 }}
          >
            <MenuItem value="bill">Bill level</MenuItem>
            <MenuItem value="item">Item level</MenuItem>
          </TextField>
        </Box>

        {preview && (
          <Box data-testid="import-preview" data-rows-with-problems={preview.rowsWithProblems}>
            <Box sx={{ display: 'flex', gap: 3, flexWrap: 'wrap', mb: 1 }}>
              <Typography variant="body2" data-testid="import-preview-summary">
                {preview.rows.length === 0
                  ? 'No rows read.'
                  : `First ${formatCount(preview.rows.length)} rows as they will be read; ${formatCount(preview.rowsWithProblems)} ${preview.rowsWithProblems === 1 ? 'row has' : 'rows have'} problems (they import as invalid entries to fix in the grid).`}
              </Typography>
              {(preview.header.count !== null ||
                preview.header.total !== null ||
                preview.footer.count !== null ||
                preview.footer.total !== null) && (
                <Typography variant="body2" color="textSecondary" data-testid="import-preview-control">
                  Control from the file: {preview.header.count ?? preview.footer.count ?? '—'} entries,{' '}
                  {preview.header.total ?? preview.footer.total ?? '—'} {currency}
                </Typography>
              )}
            </Box>
            {preview.statement && (
              <Alert
                severity="info"
                sx={{ mb: 1 }}
                data-testid="import-statement"
                data-currency={preview.statement.currency}
              >
                ISO 20022 camt.053 statement {preview.statement.messageId ?? ''}: one payment entry per booked
                credit in {preview.statement.currency}, its remittance information matched to bills and
                accounts (no template needed).
                {preview.statement.warnings.length > 0 && (
                  <Box component="ul" sx={{ m: 0, pl: 2 }} data-testid="import-statement-warnings">
                    {preview.statement.warnings.map((w, i) => (
                      <li key={i}>
                        {w.column ? `${w.column}: ` : ''}
                        {w.reason}
                      </li>
                    ))}
                  </Box>
                )}
              </Alert>
            )}
            {preview.alreadyImported && (
              <Alert
                severity="warning"
                sx={{ mb: 1 }}
                data-testid="import-already"
                action={
                  <FormControlLabel
                    control={
                      <Checkbox size="small" checked={force} onChange={(e) => setForce(e.target.checked)} />
                    }
                    label="Import again"
                  />
                }
              >
                This file (same content) was imported on{' '}
                {formatDate(preview.alreadyImported.importedAt.slice(0, 10))} as{' '}
                {preview.alreadyImported.fileName}.
              </Alert>
            )}
            {preview.fileErrors.length > 0 && (
              <Alert severity="error" sx={{ mb: 1 }} data-testid="import-file-errors">
                Nothing can be imported from this file:
                <Box component="ul" sx={{ m: 0, pl: 2 }}>
                  {preview.fileErrors.map((e, i) => (
                    <li key={i}>
                      {e.line > 0 ? `line ${e.line}${e.column ? ` (${e.column})` : ''}: ` : ''}
                      {e.reason}
                    </li>
                  ))}
                </Box>
              </Alert>
            )}
            {preview.rows.length > 0 && (
              <TableContainer sx={{ maxHeight: 320, border: 1, borderColor: 'divider', borderRadius: 1 }}>
                <Table size="small" stickyHeader aria-label="Preview of the first rows">
                  <TableHead>
                    <TableRow>
                      <TableCell>Line</TableCell>
                      {fieldNames.map((f) => (
                        <TableCell key={f}>{f}</TableCell>
                      ))}
                      <TableCell align="right">Amount read</TableCell>
                      <TableCell>Date read</TableCell>
                      <TableCell>Problems</TableCell>
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {preview.rows.map((r) => (
                      <TableRow
                        key={r.line}
                        data-testid={`import-preview-row-${r.line}`}
                        data-problems={r.problems.length}
                        sx={
                          r.problems.length
                            ? {
                                bgcolor: (t) => alpha(t.palette.error.main, 0.08),
                                '& td:last-of-type': { color: 'error.main' },
                              }
                            : undefined
                        }
                      >
                        <TableCell>{r.line}</TableCell>
                        {fieldNames.map((f) => (
                          <TableCell key={f} sx={{ fontFamily: 'monospace' }}>
                            {r.fields[f] ?? ''}
                          </TableCell>
                        ))}
                        <TableCell align="right" sx={{ fontVariantNumeric: 'tabular-nums' }}>
                          {r.amount ?? '—'}
                        </TableCell>
                        <TableCell>{formatDate(r.paymentDate)}</TableCell>
                        <TableCell>{r.problems.join('; ')}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              </TableContainer>
            )}
          </Box>
        )}
        {importing && (
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5 }}>
            <Typography variant="caption" color="textSecondary" data-testid="import-progress">
              Importing…
              {job && job.total > 0
                ? ` ${job.phase} ${formatCount(job.done)} of ${formatCount(job.total)}, ${formatCount(Math.round(job.ratePerSec))}/s`
                : ''}
            </Typography>
            <CancelJobButton job={job} onRefused={setError} testId="import-cancel" />
          </Box>
        )}
        {cancelled && (
          <Alert severity="info" data-testid="import-cancelled">
            {cancelled}
          </Alert>
        )}
        {(error ?? templatesQuery.error) && (
          <Alert severity="error" data-testid="import-error">
            {error ?? templatesQuery.error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions sx={{ px: 3, pb: 2 }}>
        <Button onClick={onClose} disabled={importing}>
          Cancel
        </Button>
        <Button
          variant="contained"
          onClick={() => void runImport()}
          disabled={!canImport}
          data-testid="import-confirm"
        >
          Import
        </Button>
      </DialogActions>
    </Dialog>
  );
}
