import { useState } from 'react';
import { z } from 'zod';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { TotpEnrolmentDto } from '../../../../src-shared/dto/auth';
import { errorMessage, unauthenticatedReason } from '../../api/client';
import { useAuth } from '../../app/auth';
import { fieldProps, FormDialog, inputShape, useZodForm } from '../../components/FormDialog';
import { useApiMutation } from '../../components/query';
import { fieldProblems } from './auth-errors';
import { CopyButton } from './CopyButton';

type Step =
  { kind: 'overview' } | { kind: 'scan'; enrolment: TotpEnrolmentDto } | { kind: 'codes'; codes: string[] };

/** The secret in groups of four, easier to type into an authenticator app by hand. */
function grouped(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

const enableShape = inputShape('auth:totp-enable');
const enableSchema = z.object({ code: enableShape.code });
const disableSchema = z.object({ password: inputShape('auth:totp-disable').password });
type EnableForm = z.input<typeof enableSchema>;
type DisableForm = z.input<typeof disableSchema>;

/** What a refused enable or disable means for its one field (the code, or the password), else null. */
function fieldRefusal(err: unknown): string | null {
  const first = Object.values(fieldProblems(err))[0];
  if (first) return first;
  if (unauthenticatedReason(err) === 'second_factor')
    return 'The code does not match. Check the time on the phone and try the next code.';
  if (unauthenticatedReason(err) === 'sign_in') return 'The password is wrong';
  return null;
}

/** Step 1 and 2 of enrolling: the QR code and key, then the first code from the app. */
function EnrolStep({
  enrolment,
  onClose,
  onEnabled,
}: {
  enrolment: TotpEnrolmentDto;
  onClose: () => void;
  onEnabled: (recoveryCodes: string[]) => void;
}) {
  const form = useZodForm(enableSchema, { code: '' });
  const enable = useApiMutation('auth:totp-enable');
  const [problem, setProblem] = useState<string | null>(null);
  const code = form.watch('code');
  const submit = form.handleSubmit(async (v) => {
    setProblem(null);
    try {
      onEnabled((await enable.run({ code: v.code })).recoveryCodes);
    } catch (err) {
      const refusal = fieldRefusal(err);
      if (refusal) form.setError('code', { type: 'server', message: refusal });
      else setProblem(errorMessage(err));
    }
  });
  const codeField = fieldProps<EnableForm>(form, 'code');
  return (
    <FormDialog
      title="Two-factor authentication"
      testId="totp-dialog"
      partsTestId="totp"
      submitTestId="totp-enable"
      submitLabel="Turn on"
      submitDisabled={!/^\d{6}$/.test(code.trim())}
      onClose={onClose}
      onSubmit={submit}
      busy={enable.busy}
      error={problem}
    >
      <Typography variant="body2">
        1. Scan the code with an authenticator app (Google Authenticator, Microsoft Authenticator, 1Password,
        …), or type the key by hand.
      </Typography>
      <Box sx={{ display: 'flex', gap: 2, alignItems: 'center' }}>
        <Box
          component="img"
          src={enrolment.qrDataUrl}
          alt="QR code for the authenticator app"
          data-testid="totp-qr"
          sx={{
            width: 180,
            height: 180,
            flexShrink: 0,
            bgcolor: '#fff',
            borderRadius: 1,
            border: 1,
            borderColor: 'divider',
          }}
        />
        <Box sx={{ minWidth: 0 }}>
          <Typography variant="caption" color="textSecondary" component="div">
            Key (time-based, 6 digits, 30 seconds)
          </Typography>
          <Typography
            data-testid="totp-secret"
            sx={{ fontFamily: 'monospace', fontSize: '0.875rem', whiteSpace: 'nowrap', mb: 1 }}
          >
            {grouped(enrolment.secret)}
          </Typography>
          <CopyButton text={enrolment.secret} label="Copy key" testId="totp-secret-copy" />
        </Box>
      </Box>
      <Typography variant="body2">2. Enter the 6-digit code the app shows now.</Typography>
      <TextField
        label="Code"
        autoComplete="one-time-code"
        {...codeField}
        sx={{ width: 200 }}
        slotProps={{ htmlInput: { 'data-testid': 'totp-code', inputMode: 'numeric', spellCheck: false } }}
      />
    </FormDialog>
  );
}

/** Turning the second factor off, with the password. */
function DisableStep({
  login,
  onClose,
  onDisabled,
}: {
  login: string;
  onClose: () => void;
  onDisabled: () => void;
}) {
  const form = useZodForm(disableSchema, { password: '' });
  const disable = useApiMutation('auth:totp-disable');
  const [problem, setProblem] = useState<string | null>(null);
  const password = form.watch('password');
  const submit = form.handleSubmit(async (v) => {
    setProblem(null);
    try {
      await disable.run({ password: v.password });
      form.reset();
      onDisabled();
    } catch (err) {
      const refusal = fieldRefusal(err);
      if (refusal) form.setError('password', { type: 'server', message: refusal });
      else setProblem(errorMessage(err));
    }
  });
  return (
    <FormDialog
      title="Two-factor authentication"
      testId="totp-dialog"
      partsTestId="totp"
      submitTestId="totp-disable"
      submitLabel="Turn off"
      cancelLabel="Close"
      submitDisabled={!password}
      onClose={onClose}
      onSubmit={submit}
      busy={disable.busy}
      error={problem}
    >
      <Alert severity="success" data-testid="totp-on">
        Two-factor authentication is on for {login}.
      </Alert>
      <Typography variant="body2">
        To turn it off (for example to move to a new phone), enter your password. The recovery codes stop
        working too.
      </Typography>
      <TextField
        label="Password"
        type="password"
        autoComplete="current-password"
        {...fieldProps<DisableForm>(form, 'password')}
        fullWidth
        slotProps={{ htmlInput: { 'data-testid': 'totp-disable-password' } }}
      />
    </FormDialog>
  );
}

/**
 * Two-factor authentication of the signed-in operator: enrol (QR code and the secret as text, confirm with a
 * first code, then the ten recovery codes shown once) or turn it off with the password.
 */
export function TwoFactorDialog({ onClose }: { onClose: () => void }) {
  const auth = useAuth();
  const enabled = auth?.status.totpEnabled ?? false;
  const [step, setStep] = useState<Step>({ kind: 'overview' });
  const begin = useApiMutation('auth:totp-begin');
  const [problem, setProblem] = useState<string | null>(null);

  const close = () => {
    // Leaving the recovery codes (or a begun enrolment) re-reads the status so the menu shows the new state.
    if (step.kind !== 'overview') void auth?.refresh();
    onClose();
  };
  const start = () => {
    setProblem(null);
    begin.run({}).then(
      (enrolment) => setStep({ kind: 'scan', enrolment }),
      (err: unknown) => setProblem(errorMessage(err)),
    );
  };

  if (step.kind === 'scan')
    return (
      <EnrolStep
        enrolment={step.enrolment}
        onClose={close}
        onEnabled={(codes) => setStep({ kind: 'codes', codes })}
      />
    );
  if (step.kind === 'overview' && enabled)
    return (
      <DisableStep
        login={auth?.operator.login ?? ''}
        onClose={close}
        onDisabled={() => void auth?.refresh()}
      />
    );

  let body;
  let actions;
  if (step.kind === 'codes') {
    body = (
      <>
        <Alert severity="success" sx={{ mb: 2 }}>
          Two-factor authentication is on. From now on, signing in asks for a code from the app.
        </Alert>
        <Alert severity="warning" sx={{ mb: 2 }}>
          These recovery codes are shown only now. Each works once instead of a code if the phone is lost.
          Keep them somewhere safe, away from this computer.
        </Alert>
        <Box
          data-testid="recovery-codes"
          sx={{
            display: 'grid',
            gridTemplateColumns: 'repeat(2, 1fr)',
            gap: 1,
            fontFamily: 'monospace',
            fontSize: '1rem',
            p: 2,
            mb: 2,
            border: 1,
            borderColor: 'divider',
            borderRadius: 1,
            bgcolor: 'action.hover',
          }}
        >
          {step.codes.map((c) => (
            <span key={c}>{c}</span>
          ))}
        </Box>
        <CopyButton text={step.codes.join('\n')} label="Copy codes" testId="recovery-codes-copy" />
      </>
    );
    actions = (
      <Button variant="contained" onClick={close} data-testid="totp-done">
        I have saved them
      </Button>
    );
  } else {
    body = (
      <>
        <Typography variant="body2" sx={{ mb: 1 }}>
          Two-factor authentication is off. Turn it on to ask for a code from an authenticator app on your
          phone each time you sign in or unlock, as well as your password.
        </Typography>
        <Typography variant="body2" color="textSecondary">
          You will get ten recovery codes for the day the phone is not at hand.
        </Typography>
      </>
    );
    actions = (
      <>
        <Button onClick={close}>Close</Button>
        <Button variant="contained" onClick={start} disabled={begin.busy} data-testid="totp-begin">
          Set up
        </Button>
      </>
    );
  }

  return (
    <Dialog
      open
      onClose={step.kind === 'codes' ? undefined : close}
      maxWidth="sm"
      fullWidth
      data-testid="totp-dialog"
    >
      <DialogTitle>Two-factor authentication</DialogTitle>
      <DialogContent>
        {problem && (
          <Alert severity="error" sx={{ mb: 2 }}>
            {problem}
          </Alert>
        )}
        {body}
      </DialogContent>
      <DialogActions>{actions}</DialogActions>
    </Dialog>
  );
}
