import { useState } from 'react';
import Alert from '@mui/material/Alert';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { z } from 'zod';
import { errorMessage } from '../api/client';
import { applyServerProblems, FormDialog, fieldProps, useZodForm } from './FormDialog';
import { useApiMutation } from './query';

const schema = z.object({
  url: z
    .string()
    .trim()
    .min(1, 'Enter the team server’s address')
    .max(2000)
    .refine((v) => /^https?:\/\//i.test(v), 'Start with https:// (e.g. https://paydesk.example.com:8443)'),
});
type TeamServerForm = z.input<typeof schema>;

/**
 * Team server… (issue #17): points this desktop at the back office's shared Paydesk server. The service checks
 * the address at the server's /healthz before anything is kept; then Paydesk restarts onto the server's pages,
 * where the operator signs in with their team account. The app menu's "Work on this computer" comes back.
 */
export function TeamServerDialog({ ledgerFile, onClose }: { ledgerFile: string; onClose: () => void }) {
  const form = useZodForm(schema, { url: '' });
  const connect = useApiMutation('desktop:connect-server');
  const [problem, setProblem] = useState<string | null>(null);
  const [restarting, setRestarting] = useState<string | null>(null);

  const submit = form.handleSubmit(async (v) => {
    setProblem(null);
    try {
      const r = await connect.run({ url: v.url });
      setRestarting(r.url);
    } catch (err) {
      setProblem(
        applyServerProblems<TeamServerForm>(form, err, ['url']) ??
          (form.formState.errors.url ? null : errorMessage(err)),
      );
    }
  });

  return (
    <FormDialog
      title="Team server"
      testId="team-server-dialog"
      partsTestId="team-server"
      submitLabel="Connect"
      submitDisabled={restarting !== null}
      maxWidth="sm"
      onClose={onClose}
      onSubmit={submit}
      busy={connect.busy || restarting !== null}
      error={problem}
    >
      <Typography variant="body2">
        This desktop works on its own ledger file: <b data-testid="team-server-ledger">{ledgerFile}</b>. A
        back office that shares one ledger runs a Paydesk team server; connect to it to work on the
        team&apos;s batches and suspense queue, signed in with your team account.
      </Typography>
      <TextField
        label="Team server address"
        placeholder="https://paydesk.example.com:8443"
        autoComplete="url"
        slotProps={{ htmlInput: { 'data-testid': 'team-server-url', spellCheck: false, maxLength: 2000 } }}
        {...fieldProps<TeamServerForm>(form, 'url')}
      />
      {restarting ? (
        <Alert severity="success" data-testid="team-server-restarting">
          {restarting} answered. Paydesk restarts now and opens it; File › Work on this computer comes back
          here.
        </Alert>
      ) : (
        <Typography variant="caption" color="textSecondary">
          The server is checked before anything changes. Offline batches stay in this file; send one with{' '}
          <code>paydesk batch push</code>.
        </Typography>
      )}
    </FormDialog>
  );
}
