import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import Typography from '@mui/material/Typography';
import { mayRun } from '../../../../src-shared/api/roles';
import { call } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { CodesPanel } from './CodesPanel';
import { ColumnEditor } from './ColumnEditor';
import { HistoryPanel } from './HistoryPanel';
import { OperatorsPanel } from './OperatorsPanel';
import { PoliciesPanel } from './PoliciesPanel';
import { ProcessorsPanel } from './ProcessorsPanel';
import { ReferencePanel } from './ReferencePanel';
import { SettingsPanel } from './SettingsPanel';
import { problemLines } from '../../components/problem-lines';
import { CreditorsPanel } from '../mandates';
import { download } from '../../components/download';
import { useApiMutation } from '../../components/query';
import { useShortcuts } from '../../components/shortcuts';

/** True when an operator with these roles should see the Admin area at all (to change or to review). */
export function seesAdmin(roles: readonly string[]): boolean {
  return mayRun(roles, 'admin:save-columns') || mayRun(roles, 'admin:history');
}

/** Export the configuration as a download, or import a file whole (every problem listed, nothing half-applied). */
function ConfigFilePanel({ canEdit }: { canEdit: boolean }) {
  const [problems, setProblems] = useState<string[]>([]);
  const [done, setDone] = useState<string | null>(null);
  const importConfig = useApiMutation('admin:import-config');
  const exportFile = async () => {
    const cfg = await call('admin:export-config', {});
    download(
      `paydesk-config-${cfg.exportedAt.slice(0, 10)}.json`,
      'application/json',
      JSON.stringify(cfg, null, 2),
    );
  };
  const importFile = async (file: File) => {
    setProblems([]);
    setDone(null);
    let config: unknown;
    try {
      config = JSON.parse(await file.text());
    } catch {
      setProblems([`${file.name} is not a JSON file`]);
      return;
    }
    try {
      const r = await importConfig.run({ config });
      setDone(
        `Imported: ${Object.entries(r.applied)
          .filter(([, n]) => n > 0)
          .map(([k, n]) => `${n} ${k}`)
          .join(', ')}`,
      );
    } catch (err) {
      setProblems(problemLines(err));
    }
  };
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2, maxWidth: 900 }} data-testid="config-panel">
      <Typography variant="body2">
        The whole desk configuration (settings, reason codes, channels, pay types, terms, CMP codes,
        currencies, rates, custom fields and column sets) as one versioned JSON file, to move it between
        desks. An import is checked whole against this ledger first: unknown fields, wrong types, duplicate
        codes, ids in reserved ranges and references to missing fields are all listed, and nothing is applied
        unless the file is clean.
      </Typography>
      <Box sx={{ display: 'flex', gap: 1 }}>
        <Button variant="outlined" onClick={() => void exportFile()} data-testid="config-export">
          Export configuration
        </Button>
        {canEdit && (
          <Button variant="contained" component="label" data-testid="config-import">
            Import configuration…
            <input
              hidden
              type="file"
              accept="application/json,.json"
              data-testid="config-import-file"
              onChange={(e) => {
                const f = e.target.files?.[0];
                e.target.value = '';
                if (f) void importFile(f);
              }}
            />
          </Button>
        )}
      </Box>
      {problems.length > 0 && (
        <Alert severity="error" data-testid="config-problems">
          {problems.map((p) => (
            <div key={p}>{p}</div>
          ))}
        </Alert>
      )}
      {done && (
        <Alert severity="success" data-testid="config-done">
          {done}
        </Alert>
      )}
    </Box>
  );
}

const TABS = [
  'columns',
  'codes',
  'reference',
  'settings',
  'operators',
  'policies',
  'processors',
  'history',
  'config',
] as const;
type TabId = (typeof TABS)[number];
const LABELS: Readonly<Record<TabId, string>> = {
  columns: 'Batch columns',
  codes: 'Reason codes',
  reference: 'Channels, pay types, terms',
  settings: 'Settings',
  operators: 'Operators',
  policies: 'Approval policies',
  processors: 'Processors & banks',
  history: 'Change history',
  config: 'Configuration file',
};

/** The Admin area: what admins shape for clerks and analysts; other roles see it read-only or not at all. */
export function AdminPage() {
  const { info } = useAppInfo();
  const roles = info?.operator.roles ?? [];
  const canEdit = mayRun(roles, 'admin:save-columns');
  const tabs = TABS.filter((t) => t !== 'history' || mayRun(roles, 'admin:history'));
  const [tab, setTab] = useState<TabId>('columns');
  const [refreshKey, setRefreshKey] = useState(0);
  const step = (by: number) => setTab(tabs[(tabs.indexOf(tab) + by + tabs.length) % tabs.length] ?? tab);
  useShortcuts(
    'Admin',
    [
      { keys: 'Alt+T', label: 'Next tab', run: () => step(1) },
      { keys: 'Alt+Shift+T', label: 'Previous tab', run: () => step(-1) },
      {
        keys: 'F5',
        label: 'Refresh the tab (reads it again from the ledger)',
        run: () => setRefreshKey((k) => k + 1),
      },
    ],
    seesAdmin(roles),
  );
  if (!seesAdmin(roles))
    return (
      <Box sx={{ p: 3 }}>
        <Alert severity="info" data-testid="admin-not-allowed">
          Administration needs the admin role (or supervisor for the change history).
        </Alert>
      </Box>
    );
  return (
    <Box
      sx={{ height: '100%', display: 'flex', flexDirection: 'column', minHeight: 0 }}
      data-testid="admin-page"
    >
      <Tabs
        value={tab}
        onChange={(_e, v: TabId) => setTab(v)}
        variant="scrollable"
        sx={{ borderBottom: 1, borderColor: 'divider', px: 2, bgcolor: 'background.paper' }}
      >
        {tabs.map((t) => (
          <Tab key={t} value={t} label={LABELS[t]} data-testid={`admin-tab-${t}`} />
        ))}
      </Tabs>
      {!canEdit && (
        <Alert severity="info" square>
          You can review the configuration; changing it needs the admin role.
        </Alert>
      )}
      <Box sx={{ flex: 1, overflow: 'auto', p: 2 }} key={refreshKey} data-refresh={refreshKey}>
        {tab === 'columns' && <ColumnEditor canEdit={canEdit} />}
        {tab === 'codes' && <CodesPanel canEdit={canEdit} />}
        {tab === 'reference' && <ReferencePanel canEdit={canEdit} />}
        {tab === 'settings' && <SettingsPanel canEdit={canEdit} />}
        {tab === 'operators' && <OperatorsPanel canEdit={mayRun(roles, 'operators:add')} />}
        {tab === 'policies' && <PoliciesPanel canEdit={mayRun(roles, 'policies:save')} />}
        {tab === 'processors' && (
          <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
            <ProcessorsPanel canEdit={mayRun(roles, 'processors:save')} />
            <CreditorsPanel canEdit={mayRun(roles, 'creditors:add')} />
          </Box>
        )}
        {tab === 'history' && <HistoryPanel />}
        {tab === 'config' && <ConfigFilePanel canEdit={mayRun(roles, 'admin:import-config')} />}
      </Box>
    </Box>
  );
}
