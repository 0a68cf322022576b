import { useEffect } from 'react';
import Box from '@mui/material/Box';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import type { ProcessorDto } from '../../../../src-shared/dto/processors';
import { call } from '../../api/client';
import { formatTimestamp } from '../../components/format';
import { useProcessors } from './use-processor-health';

const COLORS: Record<ProcessorDto['health'], string> = {
  up: 'success.main',
  degraded: 'warning.main',
  down: 'error.main',
  unknown: 'text.disabled',
};

/** One processor's health as a dot and a word (up / degraded / down), with the last heartbeat. */
export function HealthDot({ p }: { p: ProcessorDto }) {
  return (
    <Tooltip
      title={`${p.url} · last heartbeat ${p.lastHeartbeatAt ? formatTimestamp(p.lastHeartbeatAt, 'second') : 'never'}${p.lastLatencyMs !== null ? ` · ${p.lastLatencyMs} ms` : ''}`}
    >
      <Box
        sx={{ display: 'flex', alignItems: 'center', gap: 0.5, flexShrink: 0, whiteSpace: 'nowrap' }}
        data-testid={`processor-health-${p.name}`}
      >
        <Box sx={{ width: 8, height: 8, borderRadius: '50%', bgcolor: COLORS[p.health] }} />
        <Typography variant="caption">
          {p.name} {p.health}
        </Typography>
      </Box>
    </Tooltip>
  );
}

/**
 * Processor health for the status bar. While the app is open it sends each processor a heartbeat at its
 * configured interval (DOMAIN.md §4.6), so up / degraded / down reflect the connection, not only the last run.
 */
export function ProcessorHealthStatus() {
  const { processors, reload } = useProcessors();
  const schedule = (processors ?? []).map((p) => `${p.name}:${p.heartbeatSec}`).join(',');
  // A heartbeat is a write (the service records the health it found), not a read: timers, then a re-read.
  useEffect(() => {
    if (!schedule) return;
    const timers = schedule.split(',').map((entry) => {
      const [name = '', sec = '120'] = entry.split(':');
      const beat = () => void call('processors:test', { name }).then(reload, reload);
      return window.setInterval(beat, Math.max(10, Number(sec)) * 1000);
    });
    return () => timers.forEach((t) => window.clearInterval(t));
  }, [schedule, reload]);
  if (!processors || processors.length === 0) return null;
  return (
    <Box sx={{ display: 'flex', gap: 1.5 }} data-testid="status-processors">
      {processors.map((p) => (
        <HealthDot key={p.id} p={p} />
      ))}
    </Box>
  );
}
