import { useState, type ReactNode } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Switch from '@mui/material/Switch';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { call } from '../../api/client';
import type { RejectionCodeDto } from '../../../../src-shared/dto/admin';
import { NEW_REJECTION_CODE, RejectionCodeDialog } from './RejectionCodeDialog';
import { problemLines, useCommand } from './use-command';

function Section({ title, children, testId }: { title: string; children: ReactNode; testId: string }) {
  return (
    <Paper
      variant="outlined"
      sx={{ p: 2, display: 'flex', flexDirection: 'column', gap: 1.5 }}
      data-testid={testId}
    >
      <Typography variant="subtitle1" sx={{ fontWeight: 600 }}>
        {title}
      </Typography>
      {children}
    </Paper>
  );
}

function Head({ cols }: { cols: string[] }) {
  return (
    <TableHead>
      <TableRow>
        {cols.map((c, i) => (
          <TableCell key={i}>{c}</TableCell>
        ))}
      </TableRow>
    </TableHead>
  );
}

/** Payment channels, pay types with their behaviour matrix, payment terms, CMP codes, currencies and rates. */
export function ReferencePanel({ canEdit }: { canEdit: boolean }) {
  const channels = useCommand('admin:channels', {});
  const payTypes = useCommand('admin:pay-types', {});
  const terms = useCommand('admin:terms', {});
  const rejections = useCommand('admin:rejection-codes', {});
  const mandates = useCommand('admin:mandate-codes', {});
  const rates = useCommand('admin:rates', {});
  const [problems, setProblems] = useState<string[]>([]);
  const [rejection, setRejection] = useState<RejectionCodeDto | null>(null);
  const [channel, setChannel] = useState({ id: '', description: '' });
  const [term, setTerm] = useState({ code: '', description: '', days: '30' });
  const [rate, setRate] = useState({ fromCurrency: 'EUR', toCurrency: 'USD', validFrom: '', rate: '' });

  const act = async (what: () => Promise<unknown>, reload: () => Promise<void>) => {
    setProblems([]);
    try {
      await what();
      await reload();
    } catch (err) {
      setProblems(problemLines(err));
    }
  };

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2 }} data-testid="reference-panel">
      {problems.length > 0 && (
        <Alert severity="error" data-testid="reference-problems">
          {problems.map((p) => (
            <div key={p}>{p}</div>
          ))}
        </Alert>
      )}
      <Box sx={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 2 }}>
        <Section title="Payment channels" testId="channels">
          <Table size="small">
            <Head cols={['Id', 'Description', 'Active']} />
            <TableBody>
              {(channels.data ?? []).map((c) => (
                <TableRow key={c.id}>
                  <TableCell>{c.id}</TableCell>
                  <TableCell>{c.description}</TableCell>
                  <TableCell>
                    <Switch
                      size="small"
                      checked={c.active}
                      disabled={!canEdit || c.id === 0}
                      onChange={(e) =>
                        void act(
                          () => call('admin:save-channel', { ...c, active: e.target.checked }),
                          channels.reload,
                        )
                      }
                    />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {canEdit && (
            <Box sx={{ display: 'flex', gap: 1 }}>
              <TextField
                size="small"
                label="Id"
                value={channel.id}
                onChange={(e) => setChannel({ ...channel, id: e.target.value })}
                sx={{ width: 90 }}
              />
              <TextField
                size="small"
                label="Description"
                value={channel.description}
                onChange={(e) => setChannel({ ...channel, description: e.target.value })}
                sx={{ flex: 1 }}
              />
              <Button
                disabled={!/^\d+$/.test(channel.id) || !channel.description.trim()}
                onClick={() =>
                  void act(async () => {
                    await call('admin:save-channel', {
                      id: Number(channel.id),
                      description: channel.description,
                      active: true,
                    });
                    setChannel({ id: '', description: '' });
                  }, channels.reload)
                }
              >
                Save
              </Button>
            </Box>
          )}
        </Section>
        <Section title="Payment terms (V17: code up to 3 uppercase characters)" testId="terms">
          <Table size="small">
            <Head cols={['Code', 'Description', 'Days']} />
            <TableBody>
              {(terms.data?.terms ?? []).map((t) => (
                <TableRow key={t.code}>
                  <TableCell>{t.code}</TableCell>
                  <TableCell>{t.description}</TableCell>
                  <TableCell>{t.days}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {canEdit && (
            <Box sx={{ display: 'flex', gap: 1 }}>
              <TextField
                size="small"
                label="Code"
                value={term.code}
                onChange={(e) => setTerm({ ...term, code: e.target.value.toUpperCase() })}
                sx={{ width: 80 }}
              />
              <TextField
                size="small"
                label="Description"
                value={term.description}
                onChange={(e) => setTerm({ ...term, description: e.target.value })}
                sx={{ flex: 1 }}
                slotProps={{ htmlInput: { maxLength: 30 } }}
              />
              <TextField
                size="small"
                label="Days"
                value={term.days}
                onChange={(e) => setTerm({ ...term, days: e.target.value })}
                sx={{ width: 80 }}
              />
              <Button
                onClick={() =>
                  void act(
                    () =>
                      call('admin:save-term', {
                        code: term.code,
                        description: term.description,
                        days: Number(term.days),
                      }),
                    terms.reload,
                  )
                }
              >
                Save
              </Button>
            </Box>
          )}
          <Typography variant="caption" color="textSecondary">
            Defaults:{' '}
            {(terms.data?.defaults ?? [])
              .map(
                (d) => `${d.code} → ${d.termCode} for pay type ${d.payType} (${d.securityLevels.join(', ')})`,
              )
              .join(' · ') || 'none'}
          </Typography>
        </Section>
      </Box>
      <Section title="Pay types and their behaviour (DOMAIN §3.7)" testId="pay-types">
        <Table size="small" sx={{ display: 'block', overflowX: 'auto' }}>
          <Head
            cols={[
              'Id',
              'Name',
              'Enabled',
              'Batches',
              'Initiated by',
              'Reversible',
              'Refund batch',
              'Suspendable',
            ]}
          />
          <TableBody>
            {(payTypes.data ?? []).map((p) => (
              <TableRow key={p.payType}>
                <TableCell>{p.payType}</TableCell>
                <TableCell>{p.name}</TableCell>
                <TableCell>
                  <Switch
                    size="small"
                    checked={p.enabled}
                    disabled={!canEdit}
                    onChange={(e) =>
                      void act(
                        () =>
                          call('admin:save-pay-type', {
                            payType: p.payType,
                            name: p.name,
                            enabled: e.target.checked,
                          }),
                        payTypes.reload,
                      )
                    }
                  />
                </TableCell>
                <TableCell>{p.batchTypes.join(', ') || '—'}</TableCell>
                <TableCell>{p.behaviour.initiatedBy}</TableCell>
                <TableCell>{p.behaviour.reversible}</TableCell>
                <TableCell>{p.behaviour.refundBatch}</TableCell>
                <TableCell>{p.behaviour.suspendable}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Section>
      <Box sx={{ display: 'grid', gridTemplateColumns: '1.4fr 1fr', gap: 2 }}>
        <Section title="Recurring payment rejection codes" testId="rejection-codes">
          <Table size="small">
            <Head cols={['Code', 'Description', 'Class', 'Retries', 'Suspend days', 'Events']} />
            <TableBody>
              {(rejections.data ?? []).map((r) => (
                <TableRow
                  key={r.code}
                  hover={canEdit}
                  onClick={canEdit ? () => setRejection(r) : undefined}
                  sx={{ cursor: canEdit ? 'pointer' : 'default' }}
                  data-testid={`rejection-row-${r.code}`}
                >
                  <TableCell>{r.code}</TableCell>
                  <TableCell>{r.description}</TableCell>
                  <TableCell>{r.declineClass}</TableCell>
                  <TableCell>{r.maxRetries}</TableCell>
                  <TableCell>{r.suspensionDays}</TableCell>
                  <TableCell>
                    {[r.retryEvent, r.exhaustedEvent, r.refundEvent].filter(Boolean).join(', ')}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {canEdit && (
            <Box>
              <Button onClick={() => setRejection(NEW_REJECTION_CODE)} data-testid="rejection-add">
                Add rejection code
              </Button>
            </Box>
          )}
          {rejection && (
            <RejectionCodeDialog
              initial={rejection}
              onClose={() => setRejection(null)}
              onSaved={() => {
                setRejection(null);
                void rejections.reload();
              }}
            />
          )}
        </Section>
        <Section title="Mandate revision codes" testId="mandate-codes">
          <Table size="small">
            <Head cols={['Code', 'Name', 'Action', 'Event']} />
            <TableBody>
              {(mandates.data ?? []).map((m) => (
                <TableRow key={m.code}>
                  <TableCell>{m.code}</TableCell>
                  <TableCell>{m.name}</TableCell>
                  <TableCell>{m.action}</TableCell>
                  <TableCell>
                    {m.eventType}/{m.eventCode}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Section>
      </Box>
      <Section title="Dated exchange rates" testId="rates">
        <Table size="small">
          <Head cols={['From', 'To', 'Valid from', 'Rate']} />
          <TableBody>
            {(rates.data ?? []).map((r) => (
              <TableRow key={`${r.fromCurrency}${r.toCurrency}${r.validFrom}`}>
                <TableCell>{r.fromCurrency}</TableCell>
                <TableCell>{r.toCurrency}</TableCell>
                <TableCell>{r.validFrom}</TableCell>
                <TableCell>{r.rate}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
        {canEdit && (
          <Box sx={{ display: 'flex', gap: 1 }}>
            <TextField
              size="small"
              label="From"
              value={rate.fromCurrency}
              sx={{ width: 90 }}
              onChange={(e) => setRate({ ...rate, fromCurrency: e.target.value.toUpperCase() })}
            />
            <TextField
              size="small"
              label="To"
              value={rate.toCurrency}
              sx={{ width: 90 }}
              onChange={(e) => setRate({ ...rate, toCurrency: e.target.value.toUpperCase() })}
            />
            <TextField
              size="small"
              label="Valid from (yyyy-MM-dd)"
              value={rate.validFrom}
              sx={{ width: 190 }}
              onChange={(e) => setRate({ ...rate, validFrom: e.target.value })}
            />
            <TextField
              size="small"
              label="Rate"
              value={rate.rate}
              sx={{ width: 120 }}
              onChange={(e) => setRate({ ...rate, rate: e.target.value })}
            />
            <Button onClick={() => void act(() => call('admin:save-rate', rate), rates.reload)}>
              Save rate
            </Button>
          </Box>
        )}
      </Section>
    </Box>
  );
}
