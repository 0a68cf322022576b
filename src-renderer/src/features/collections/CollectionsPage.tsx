import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import Typography from '@mui/material/Typography';
import { mayRun } from '../../../../src-shared/api/roles';
import { call, errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { DailySummaryPanel } from './DailySummaryPanel';
import { DirectDebitPanel } from './DirectDebitPanel';
import { FollowUpsPanel } from './FollowUpsPanel';
import { MandateImportPanel } from '../mandates';
import { MandatesPanel } from '../mandates';
import { PaymentsPanel } from './PaymentsPanel';
import { HealthDot } from './ProcessorHealthChip';
import { RecoveryPanel } from './RecoveryPanel';
import { RunsPanel } from './RunsPanel';
import { useProcessors } from './use-processor-health';
import { useShortcuts } from '../../components/shortcuts';

const TAB_IDS = [
  'runs',
  'dd',
  'recovery',
  'follow-ups',
  'daily',
  'payments',
  'mandates',
  'mandate-file',
] as const;
type TabId = (typeof TAB_IDS)[number];

/** The tab and run of a Collections route item ("dd", "runs/42"); anything unknown is the Runs tab. */
export function collectionsPlace(item: string | null): { tab: TabId; runId: number | null } {
  const [tabPart, runPart] = (item ?? '').split('/');
  const tab = (TAB_IDS as readonly string[]).includes(tabPart ?? '') ? (tabPart as TabId) : 'runs';
  const runId = tab === 'runs' && runPart && /^\d+$/.test(runPart) ? Number(runPart) : null;
  return { tab, runId };
}

/**
 * Collections: runs against the processors, direct-debit bank files, recovery of interrupted requests, one-off
 * payments. The tab and the open run are the route's (`#/collections/<tab>`, `#/collections/runs/<id>`).
 */
export function CollectionsPage({
  item,
  onItem,
}: {
  item: string | null;
  onItem: (item: string | null) => void;
}) {
  const { info } = useAppInfo();
  const roles = info?.operator.roles ?? [];
  const { processors, reload } = useProcessors();
  const { tab, runId } = collectionsPlace(item);
  const setTab = (next: TabId): void => onItem(next);
  const [refreshKey, setRefreshKey] = useState(0);
  const step = (by: number) =>
    setTab(TAB_IDS[(TAB_IDS.indexOf(tab) + by + TAB_IDS.length) % TAB_IDS.length] ?? tab);
  useShortcuts('Collections', [
    { keys: 'Alt+T', label: 'Next tab', run: () => step(1) },
    { keys: 'Alt+Shift+T', label: 'Previous tab', run: () => step(-1) },
    {
      keys: 'F5',
      label: 'Refresh (processors and the open tab)',
      // Remounting the tab re-reads its queries (every cached read is stale at once).
      run: () => {
        reload();
        setRefreshKey((k) => k + 1);
      },
    },
  ]);
  const [testMessage, setTestMessage] = useState<string | null>(null);

  const test = async () => {
    try {
      const t = await call('processors:test', {});
      setTestMessage(`${t.processor}: ${t.health} — ${t.message}`);
    } catch (err) {
      setTestMessage(errorMessage(err));
    }
    reload();
  };

  return (
    <Box
      sx={{ height: '100%', display: 'flex', flexDirection: 'column', minHeight: 0 }}
      data-testid="collections-page"
    >
      <Box
        sx={{
          px: 2,
          pt: 1,
          display: 'flex',
          alignItems: 'center',
          gap: 2,
          borderBottom: 1,
          borderColor: 'divider',
        }}
      >
        <Tabs value={tab} onChange={(_e, v: TabId) => setTab(v)} variant="scrollable" sx={{ minWidth: 0 }}>
          <Tab value="runs" label="Runs" data-testid="tab-runs" />
          <Tab value="dd" label="Direct debit" data-testid="tab-dd" />
          <Tab value="recovery" label="Recovery" data-testid="tab-recovery" />
          <Tab value="follow-ups" label="Follow-ups" data-testid="tab-follow-ups" />
          <Tab value="daily" label="Daily summary" data-testid="tab-daily" />
          <Tab value="payments" label="One-off payments" data-testid="tab-payments" />
          <Tab value="mandates" label="Mandates" data-testid="tab-mandates" />
          <Tab value="mandate-file" label="Mandate file" data-testid="tab-mandate-file" />
        </Tabs>
        <Box sx={{ flex: 1 }} />
        {processors?.map((p) => (
          <HealthDot key={p.id} p={p} />
        ))}
        {processors && processors.length > 0 && (
          <Button
            size="small"
            onClick={() => void test()}
            sx={{ flexShrink: 0, whiteSpace: 'nowrap' }}
            data-testid="processor-test"
          >
            Test connection
          </Button>
        )}
      </Box>
      <Box
        key={refreshKey}
        data-refresh={refreshKey}
        sx={{ flex: 1, overflow: 'auto', p: 2, display: 'flex', flexDirection: 'column', gap: 2 }}
      >
        {processors &&
          processors.length === 0 &&
          (tab === 'runs' || tab === 'recovery' || tab === 'payments') && (
            <Alert severity="info">
              No payment processor is set up. An admin adds one in Admin → Processors &amp; banks (or with{' '}
              <code>paydesk processor add NAME --url URL --merchant USD=name:mid</code>).
            </Alert>
          )}
        {testMessage && (
          <Alert severity="info" onClose={() => setTestMessage(null)} data-testid="processor-test-result">
            {testMessage}
          </Alert>
        )}
        {tab === 'runs' && (
          <RunsPanel
            canRun={mayRun(roles, 'collect:run')}
            runId={runId}
            onRun={(id) => onItem(id === null ? 'runs' : `runs/${id}`)}
          />
        )}
        {tab === 'dd' && <DirectDebitPanel canRun={mayRun(roles, 'dd:run')} />}
        {tab === 'recovery' && <RecoveryPanel canResolve={mayRun(roles, 'recovery:resolve')} />}
        {tab === 'follow-ups' && <FollowUpsPanel />}
        {tab === 'daily' && <DailySummaryPanel />}
        {tab === 'payments' && <PaymentsPanel processors={processors ?? []} />}
        {tab === 'mandates' && <MandatesPanel />}
        {tab === 'mandate-file' && <MandateImportPanel canApply={mayRun(roles, 'mandates:import')} />}
        <Typography variant="caption" color="text.secondary">
          Card numbers are typed only into the processor&apos;s own secure page; Paydesk keeps tokens and the
          last four digits.
        </Typography>
      </Box>
    </Box>
  );
}
