import { useEffect } from 'react';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import Tooltip from '@mui/material/Tooltip';
import { mayRun } from '../../../src-shared/api/roles';
import { useAppInfo } from './app-info';
import { AREAS, type AreaId } from './areas';

/** The left navigation between work areas (Alt+1 … Alt+6). */
export function NavRail({ current, onSelect }: { current: AreaId; onSelect: (area: AreaId) => void }) {
  const roles = useAppInfo().info?.operator.roles ?? [];
  // The Admin area is only for operators who may change the configuration or review its history.
  const hidden = (id: AreaId): boolean =>
    id === 'admin' && !mayRun(roles, 'admin:save-columns') && !mayRun(roles, 'admin:history');
  useEffect(() => {
    // Marks when the frame is on screen (relative to navigation start) so tests and profiling can read it.
    if (performance.getEntriesByName('paydesk:shell-visible').length === 0)
      performance.mark('paydesk:shell-visible');
  }, []);
  return (
    <Box
      component="nav"
      aria-label="Work areas"
      data-testid="nav-frame"
      sx={{
        width: 200,
        flexShrink: 0,
        borderRight: 1,
        borderColor: 'divider',
        bgcolor: 'background.paper',
        overflowY: 'auto',
      }}
    >
      <List dense sx={{ py: 1 }}>
        {AREAS.map((area, i) =>
          hidden(area.id) ? null : (
            <Tooltip key={area.id} title={`Alt+${i + 1}`} placement="right" enterDelay={600}>
              <ListItemButton
                selected={area.id === current}
                onClick={() => onSelect(area.id)}
                data-testid={`nav-${area.id}`}
                aria-current={area.id === current ? 'page' : undefined}
                sx={{ mx: 1, borderRadius: 1, mb: 0.25 }}
              >
                <ListItemIcon sx={{ minWidth: 36 }}>{area.icon}</ListItemIcon>
                <ListItemText primary={area.label} />
                {!area.ready && (
                  <Chip
                    label="soon"
                    size="small"
                    variant="outlined"
                    sx={{ height: 18, fontSize: 10, color: 'text.secondary' }}
                  />
                )}
              </ListItemButton>
            </Tooltip>
          ),
        )}
      </List>
    </Box>
  );
}
