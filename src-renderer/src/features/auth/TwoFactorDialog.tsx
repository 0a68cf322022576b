import { useState, type FormEvent } from 'react';
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
import { call, errorMessage, unauthenticatedReason } from '../../api/client';
import { useAuth } from '../../app/auth';
import { fieldProblems } from './auth-errors';
import { CopyButton } from './CopyButton';

type Step =
  { kind: 'overview' } | { kind: 'scan'; enrolment: TotpEnrolmentDto } | { kind: 'codes'; codes: string[] };

/** The secret in groups of four, easier to type into an authenticator app by hand. */
function grouped(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

/**
 * Two-factor authentication of the signed-in operator: enrol (QR code and the secret as text, confirm with a
 * first code, then the ten recovery codes shown once) or turn it off with the password.
 */
export function TwoFactorDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const auth = useAuth();
  const enabled = auth?.status.totpEnabled ?? false;
  const [step, setStep] = useState<Step>({ kind: 'overview' });
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [fieldProblem, setFieldProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const reset = () => {
    setStep({ kind: 'overview' });
    setCode('');
    setPassword('');
    setProblem(null);
    setFieldProblem(null);
  };
  const close = () => {
    // Leaving the recovery codes (or a begun enrolment) re-reads the status so the menu shows the new state.
    if (step.kind !== 'overview') void auth?.refresh();
    reset();
    onClose();
  };
  const run = async (what: () => Promise<void>) => {
    setBusy(true);
    setProblem(null);
    setFieldProblem(null);
    try {
      await what();
    } catch (err) {
      const issues = fieldProblems(err);
      const first = Object.values(issues)[0];
      if (first) setFieldProblem(first);
      else if (unauthenticatedReason(err) === 'second_factor')
        setFieldProblem('The code does not match. Check the time on the phone and try the next code.');
      else if (unauthenticatedReason(err) === 'sign_in') setFieldProblem('The password is wrong');
      else setProblem(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const begin = () =>
    void run(async () => {
      setStep({ kind: 'scan', enrolment: await call('auth:totp-begin', {}) });
    });
  const enable = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const r = await call('auth:totp-enable', { code: code.trim() });
      setCode('');
      setStep({ kind: 'codes', codes: r.recoveryCodes });
    });
  };
  const disable = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await call('auth:totp-disable', { password });
      setPassword('');
      await auth?.refresh();
    });
  };

  let body;
  let actions;
  if (step.kind === 'scan') {
    body = (
      <Box component="form" id="totp-enable-form" onSubmit={enable} noValidate>
        <Typography variant="body2" sx={{ mb: 2 }}>
          1. Scan the code with an authenticator app (Google Authenticator, Microsoft Authenticator,
          1Password, …), or type the key by hand.
        </Typography>
        <Box sx={{ display: 'flex', gap: 2, alignItems: 'center', mb: 2 }}>
          <Box
            component="img"
            src={step.enrolment.qrDataUrl}
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
              {grouped(step.enrolment.secret)}
            </Typography>
            <CopyButton text={step.enrolment.secret} label="Copy key" testId="totp-secret-copy" />
          </Box>
        </Box>
        <Typography variant="body2" sx={{ mb: 1 }}>
          2. Enter the 6-digit code the app shows now.
        </Typography>
        <TextField
          label="Code"
          value={code}
          onChange={(e) => setCode(e.target.value)}
          autoFocus
          autoComplete="one-time-code"
          error={fieldProblem !== null}
          helperText={fieldProblem}
          sx={{ width: 200 }}
          slotProps={{ htmlInput: { 'data-testid': 'totp-code', inputMode: 'numeric', spellCheck: false } }}
        />
      </Box>
    );
    actions = (
      <>
        <Button onClick={close}>Cancel</Button>
        <Button
          type="submit"
          form="totp-enable-form"
          variant="contained"
          disabled={busy || !/^\d{6}$/.test(code.trim())}
          data-testid="totp-enable"
        >
          Turn on
        </Button>
      </>
    );
  } else if (step.kind === 'codes') {
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
  } else if (enabled) {
    body = (
      <Box component="form" id="totp-disable-form" onSubmit={disable} noValidate>
        <Alert severity="success" sx={{ mb: 2 }} data-testid="totp-on">
          Two-factor authentication is on for {auth?.operator.login}.
        </Alert>
        <Typography variant="body2" sx={{ mb: 2 }}>
          To turn it off (for example to move to a new phone), enter your password. The recovery codes stop
          working too.
        </Typography>
        <TextField
          label="Password"
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="current-password"
          error={fieldProblem !== null}
          helperText={fieldProblem}
          fullWidth
          slotProps={{ htmlInput: { 'data-testid': 'totp-disable-password' } }}
        />
      </Box>
    );
    actions = (
      <>
        <Button onClick={close}>Close</Button>
        <Button
          type="submit"
          form="totp-disable-form"
          color="error"
          disabled={busy || !password}
          data-testid="totp-disable"
        >
          Turn off
        </Button>
      </>
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
        <Button variant="contained" onClick={begin} disabled={busy} data-testid="totp-begin">
          Set up
        </Button>
      </>
    );
  }

  return (
    <Dialog
      open={open}
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
