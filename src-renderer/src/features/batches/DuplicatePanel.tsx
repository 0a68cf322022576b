import { useEffect, useMemo, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { BatchEntryDto } from '../../../../src-shared/dto/batches';
import { z } from 'zod';
import { errorMessage } from '../../api/client';
import {
  applyServerProblems,
  countText,
  fieldProps,
  FormDialog,
  inputShape,
  useZodForm,
} from '../../components/FormDialog';
import { useApiMutation, useApiQuery } from '../../components/query';

/** Reason-code domain of duplicate releases. */
const RELEASE_DOMAIN = 20;

/** Where the focused entry's look-alike is: a posted payment, or an entry not posted yet. */
function matchText(entry: BatchEntryDto): string {
  const m = entry.duplicateOf;
  if (!m) return '';
  const where = `entry #${m.seq} of batch ${m.batchNo}`;
  return m.paymentId !== null ? `payment ${m.paymentId} (${where})` : `${where}, not posted yet`;
}

/**
 * The focused entry's duplicate status: what it matches (same payer, number, amount, date and lockbox), the
 * supervisor's release if there is one, and the Release action for supervisors.
 */
export function DuplicatePanel({
  batchId,
  entry,
  editable,
  supervisor,
  onReleased,
}: {
  batchId: number;
  entry: BatchEntryDto | null;
  editable: boolean;
  supervisor: boolean;
  onReleased: (entry: BatchEntryDto) => void;
}) {
  const [open, setOpen] = useState(false);
  if (!entry?.duplicateOf) return null;
  const suspected = entry.status === 'duplicate_suspected';
  return (
    <>
      <Alert
        severity={suspected ? 'warning' : 'info'}
        sx={{ py: 0 }}
        data-testid="duplicate-status"
        action={
          suspected && editable && supervisor ? (
            <Button
              color="inherit"
              size="small"
              onClick={() => setOpen(true)}
              data-testid="release-duplicate"
            >
              Release
            </Button>
          ) : undefined
        }
      >
        {suspected
          ? `Suspected duplicate: entry #${entry.seq} looks like ${matchText(entry)}. It does not post unless a supervisor releases it.`
          : `Entry #${entry.seq} looks like ${matchText(entry)}`}
        {entry.duplicateRelease &&
          ` Released by a supervisor (reason ${entry.duplicateRelease.reasonCode}${entry.duplicateRelease.note ? `: ${entry.duplicateRelease.note}` : ''}).`}
      </Alert>
      {open && (
        <ReleaseDuplicateDialog
          batchId={batchId}
          entry={entry}
          onClose={() => setOpen(false)}
          onDone={(e) => {
            setOpen(false);
            onReleased(e);
          }}
        />
      )}
    </>
  );
}

const releaseShape = inputShape('batches:release-duplicate');

/** The release form by the command's own rules: a reason code (required) and an optional note. */
const releaseSchema = z.object({
  reasonCode: countText(releaseShape.reasonCode).refine(
    (v): v is number => v !== null,
    'Enter a reason code',
  ),
  note: z
    .string()
    .pipe(releaseShape.note.unwrap())
    .transform((t) => (t === '' ? undefined : t)),
});

type ReleaseForm = z.input<typeof releaseSchema>;

/** A supervisor lets a suspected duplicate post: a reason of domain 20 and an optional note (both audited). */
function ReleaseDuplicateDialog({
  batchId,
  entry,
  onClose,
  onDone,
}: {
  batchId: number;
  entry: BatchEntryDto;
  onClose: () => void;
  onDone: (entry: BatchEntryDto) => void;
}) {
  const form = useZodForm(releaseSchema, { reasonCode: '', note: '' });
  const release = useApiMutation('batches:release-duplicate');
  const [error, setError] = useState<string | null>(null);
  const codes = useApiQuery('codes:list', { domainId: RELEASE_DOMAIN });
  const reasons = useMemo(() => (codes.data ?? []).map((r) => ({ code: r.id, text: r.label })), [codes.data]);
  const code = form.watch('reasonCode').trim();
  // The first active release reason is the proposal once the codes are read (the clerk's own choice stays).
  const first = reasons[0]?.code;
  useEffect(() => {
    if (first !== undefined && form.getValues('reasonCode') === '')
      form.setValue('reasonCode', String(first), { shouldValidate: true });
  }, [first, form]);
  const known = reasons.find((r) => String(r.code) === code);

  const submit = form.handleSubmit(async (v) => {
    setError(null);
    try {
      onDone(
        await release.run({
          batchId,
          entryId: entry.id,
          reasonCode: v.reasonCode,
          ...(v.note !== undefined ? { note: v.note } : {}),
        }),
      );
    } catch (err) {
      setError(applyServerProblems<ReleaseForm>(form, err, ['reasonCode', 'note']) ?? errorMessage(err));
    }
  });

  const reason = fieldProps<ReleaseForm>(form, 'reasonCode');
  return (
    <FormDialog
      title={`Release suspected duplicate #${entry.seq}`}
      testId="release-duplicate-dialog"
      partsTestId="release-duplicate"
      submitTestId="release-duplicate-confirm"
      submitLabel="Release"
      // Until the reason codes are read there is nothing to release with.
      submitDisabled={code === ''}
      maxWidth="xs"
      onClose={onClose}
      onSubmit={submit}
      busy={release.busy}
      error={error ?? codes.error}
    >
      <Typography variant="body2" color="textSecondary">
        It looks like {matchText(entry)}. Released, it validates and posts as a payment of its own.
      </Typography>
      <TextField
        label="Reason code"
        {...reason}
        helperText={reason.helperText ?? known?.text ?? 'Not an active release reason'}
        slotProps={{ htmlInput: { 'data-testid': 'release-duplicate-reason', inputMode: 'numeric' } }}
      />
      <Box sx={{ display: 'flex', gap: 0.75, flexWrap: 'wrap' }}>
        {reasons.map((r) => (
          <Chip
            key={r.code}
            size="small"
            label={`${r.code} ${r.text}`}
            variant={String(r.code) === code ? 'filled' : 'outlined'}
            color={String(r.code) === code ? 'primary' : 'default'}
            onClick={() => form.setValue('reasonCode', String(r.code), { shouldValidate: true })}
          />
        ))}
      </Box>
      <TextField
        label="Note"
        {...fieldProps<ReleaseForm>(form, 'note')}
        slotProps={{ htmlInput: { 'data-testid': 'release-duplicate-note', maxLength: 500 } }}
      />
    </FormDialog>
  );
}
