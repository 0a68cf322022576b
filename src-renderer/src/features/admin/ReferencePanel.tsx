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
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import IconButton from '@mui/material/IconButton';
import MenuItem from '@mui/material/MenuItem';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutlined';
import { ROLES } from '../../../../src-shared/api/roles';
import { MandateCodesList, RejectionCodesList, TermsList } from './CodeLists';
import { problemLines } from '../../components/problem-lines';
import { useApiMutation, useApiQuery } from '../../components/query';
import { DateField } from '../../components/DateField';
import { formatDate } from '../../components/format';

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
  const channels = useApiQuery('admin:channels', {});
  const payTypes = useApiQuery('admin:pay-types', {});
  const terms = useApiQuery('admin:terms', {});
  const rates = useApiQuery('admin:rates', {});
  const currencies = useApiQuery('admin:currencies', {});
  const saveChannel = useApiMutation('admin:save-channel');
  const saveTermDefault = useApiMutation('admin:save-term-default');
  const deleteTermDefault = useApiMutation('admin:delete-term-default');
  const saveCurrency = useApiMutation('admin:save-currency');
  const saveRate = useApiMutation('admin:save-rate');
  const savePayType = useApiMutation('admin:save-pay-type');
  const [termDefault, setTermDefault] = useState({
    code: '',
    payType: '',
    termCode: '',
    securityLevels: ['clerk'] as string[],
  });
  const [currency, setCurrency] = useState({ code: '', exponent: '2', name: '' });
  const [problems, setProblems] = useState<string[]>([]);
  const [channel, setChannel] = useState({ id: '', description: '' });
  const [rate, setRate] = useState({ fromCurrency: 'EUR', toCurrency: 'USD', validFrom: '', rate: '' });

  // A successful change marks every read stale, so the tables below reload themselves.
  const act = async (what: () => Promise<unknown>) => {
    setProblems([]);
    try {
      await what();
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
                      onChange={(e) => void act(() => saveChannel.run({ ...c, active: e.target.checked }))}
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
                    await saveChannel.run({
                      id: Number(channel.id),
                      description: channel.description,
                      active: true,
                    });
                    setChannel({ id: '', description: '' });
                  })
                }
              >
                Save
              </Button>
            </Box>
          )}
        </Section>
        <TermsList canEdit={canEdit} />
      </Box>
      <Section title="Payment term defaults (V17)" testId="term-defaults">
        <Table size="small">
          <Head cols={['Code', 'Pay type', 'Term', 'Security levels', ...(canEdit ? [''] : [])]} />
          <TableBody>
            {(terms.data?.defaults ?? []).length === 0 && (
              <TableRow>
                <TableCell colSpan={5}>
                  <Typography variant="body2" color="textSecondary">
                    No defaults: new bill units take no payment term.
                  </Typography>
                </TableCell>
              </TableRow>
            )}
            {(terms.data?.defaults ?? []).map((d) => (
              <TableRow key={d.code} data-testid={`term-default-row-${d.code}`}>
                <TableCell>{d.code}</TableCell>
                <TableCell>
                  {d.payType} {(payTypes.data ?? []).find((p) => p.payType === d.payType)?.name ?? ''}
                </TableCell>
                <TableCell>
                  {d.termCode}{' '}
                  {(terms.data?.terms ?? []).find((t) => t.code === d.termCode)?.description ?? ''}
                </TableCell>
                <TableCell>{d.securityLevels.join(', ')}</TableCell>
                {canEdit && (
                  <TableCell padding="none" align="right">
                    <IconButton
                      size="small"
                      aria-label={`Delete term default ${d.code}`}
                      data-testid={`term-default-delete-${d.code}`}
                      onClick={() => void act(() => deleteTermDefault.run({ code: d.code }))}
                    >
                      <DeleteOutlineIcon fontSize="small" />
                    </IconButton>
                  </TableCell>
                )}
              </TableRow>
            ))}
          </TableBody>
        </Table>
        {canEdit && (
          <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
            <TextField
              size="small"
              label="Code"
              value={termDefault.code}
              onChange={(e) => setTermDefault({ ...termDefault, code: e.target.value.toUpperCase() })}
              sx={{ width: 80 }}
              slotProps={{ htmlInput: { maxLength: 3, 'data-testid': 'term-default-code' } }}
            />
            <TextField
              select
              size="small"
              label="Pay type"
              value={termDefault.payType}
              onChange={(e) => setTermDefault({ ...termDefault, payType: e.target.value })}
              sx={{ width: 200 }}
              slotProps={{ htmlInput: { 'data-testid': 'term-default-pay-type' } }}
            >
              {(payTypes.data ?? []).map((p) => (
                <MenuItem key={p.payType} value={String(p.payType)}>
                  {p.payType} {p.name}
                </MenuItem>
              ))}
            </TextField>
            <TextField
              select
              size="small"
              label="Term"
              value={termDefault.termCode}
              onChange={(e) => setTermDefault({ ...termDefault, termCode: e.target.value })}
              sx={{ width: 200 }}
              slotProps={{ htmlInput: { 'data-testid': 'term-default-term' } }}
            >
              {(terms.data?.terms ?? []).map((t) => (
                <MenuItem key={t.code} value={t.code}>
                  {t.code} {t.description}
                </MenuItem>
              ))}
            </TextField>
            <Typography variant="body2" color="textSecondary" sx={{ ml: 1 }}>
              Security levels
            </Typography>
            {ROLES.map((r) => (
              <FormControlLabel
                key={r}
                label={r}
                control={
                  <Checkbox
                    size="small"
                    checked={termDefault.securityLevels.includes(r)}
                    onChange={(e) =>
                      setTermDefault({
                        ...termDefault,
                        securityLevels: e.target.checked
                          ? [...termDefault.securityLevels, r]
                          : termDefault.securityLevels.filter((x) => x !== r),
                      })
                    }
                    slotProps={{ input: { 'aria-label': `security level ${r}` } }}
                  />
                }
              />
            ))}
            <Button
              data-testid="term-default-save"
              onClick={() =>
                void act(async () => {
                  await saveTermDefault.run({
                    code: termDefault.code,
                    payType: termDefault.payType === '' ? Number.NaN : Number(termDefault.payType),
                    termCode: termDefault.termCode,
                    securityLevels: ROLES.filter((r) => termDefault.securityLevels.includes(r)),
                  });
                  setTermDefault({ code: '', payType: '', termCode: '', securityLevels: ['clerk'] });
                })
              }
            >
              Save default
            </Button>
          </Box>
        )}
      </Section>
      <Box sx={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 2 }}>
        <Section title="Currencies" testId="currencies">
          <Table size="small">
            <Head cols={['Code', 'Minor digits', 'Name']} />
            <TableBody>
              {(currencies.data ?? []).map((c) => (
                <TableRow key={c.code} data-testid={`currency-row-${c.code}`}>
                  <TableCell>{c.code}</TableCell>
                  <TableCell>{c.exponent}</TableCell>
                  <TableCell>{c.name}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {canEdit && (
            <Box sx={{ display: 'flex', gap: 1 }}>
              <TextField
                size="small"
                label="Code"
                value={currency.code}
                onChange={(e) => setCurrency({ ...currency, code: e.target.value.toUpperCase() })}
                sx={{ width: 90 }}
                slotProps={{ htmlInput: { maxLength: 3, 'data-testid': 'currency-code' } }}
              />
              <TextField
                size="small"
                label="Minor digits"
                value={currency.exponent}
                onChange={(e) => setCurrency({ ...currency, exponent: e.target.value })}
                sx={{ width: 110 }}
                slotProps={{ htmlInput: { inputMode: 'numeric', 'data-testid': 'currency-exponent' } }}
              />
              <TextField
                size="small"
                label="Name"
                value={currency.name}
                onChange={(e) => setCurrency({ ...currency, name: e.target.value })}
                sx={{ flex: 1 }}
                slotProps={{ htmlInput: { 'data-testid': 'currency-name' } }}
              />
              <Button
                data-testid="currency-save"
                onClick={() =>
                  void act(async () => {
                    await saveCurrency.run({
                      code: currency.code,
                      exponent: /^\d+$/.test(currency.exponent) ? Number(currency.exponent) : Number.NaN,
                      name: currency.name,
                    });
                    setCurrency({ code: '', exponent: '2', name: '' });
                  })
                }
              >
                Save currency
              </Button>
            </Box>
          )}
        </Section>
        <Section title="Dated exchange rates" testId="rates">
          <Table size="small">
            <Head cols={['From', 'To', 'Valid from', 'Rate']} />
            <TableBody>
              {(rates.data ?? []).map((r) => (
                <TableRow key={`${r.fromCurrency}${r.toCurrency}${r.validFrom}`}>
                  <TableCell>{r.fromCurrency}</TableCell>
                  <TableCell>{r.toCurrency}</TableCell>
                  <TableCell>{formatDate(r.validFrom)}</TableCell>
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
              <DateField
                size="small"
                label="Valid from"
                value={rate.validFrom}
                onChange={(e) => setRate({ ...rate, validFrom: e.target.value })}
              />
              <TextField
                size="small"
                label="Rate"
                value={rate.rate}
                sx={{ width: 120 }}
                onChange={(e) => setRate({ ...rate, rate: e.target.value })}
              />
              <Button
                sx={{ whiteSpace: 'nowrap', flexShrink: 0 }}
                onClick={() => void act(() => saveRate.run(rate))}
              >
                Save rate
              </Button>
            </Box>
          )}
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
                      void act(() =>
                        savePayType.run({ payType: p.payType, name: p.name, enabled: e.target.checked }),
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
      <Box
        sx={{
          display: 'grid',
          gridTemplateColumns: { xs: 'minmax(0, 1fr)', xl: 'minmax(0, 1.3fr) minmax(0, 1fr)' },
          gap: 2,
        }}
      >
        <RejectionCodesList canEdit={canEdit} />
        <MandateCodesList canEdit={canEdit} />
      </Box>
    </Box>
  );
}
