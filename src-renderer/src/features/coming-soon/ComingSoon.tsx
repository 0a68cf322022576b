import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import ConstructionIcon from '@mui/icons-material/Construction';
import type { Area } from '../../app/areas';

/** An honest empty state for an area that is not built yet: what it will hold, no sample data. */
export function ComingSoon({ area }: { area: Area }) {
  return (
    <Box sx={{ p: 4, display: 'flex', justifyContent: 'center', overflowY: 'auto', height: '100%' }}>
      <Paper
        variant="outlined"
        data-testid={`coming-soon-${area.id}`}
        sx={{ p: 4, maxWidth: 640, width: '100%', alignSelf: 'flex-start' }}
      >
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5, mb: 2, color: 'text.secondary' }}>
          <Box sx={{ '& svg': { fontSize: 40 } }}>{area.icon}</Box>
          <Typography variant="h5" color="textPrimary">
            {area.label}
          </Typography>
          <Chip
            icon={<ConstructionIcon />}
            label="Coming in a later release"
            size="small"
            sx={{ ml: 'auto' }}
          />
        </Box>
        <Typography sx={{ mb: 1 }}>{area.planned}</Typography>
        <Typography variant="body2" color="textSecondary">
          This area is not part of this release yet. It will let you:
        </Typography>
        <List dense>
          {area.plannedItems.map((item) => (
            <ListItem key={item} disableGutters>
              <ListItemIcon sx={{ minWidth: 24, color: 'text.disabled' }}>•</ListItemIcon>
              <ListItemText primary={item} />
            </ListItem>
          ))}
        </List>
        <Typography variant="body2" color="textSecondary">
          Until then, look up customers, balances and open bills in Accounts (Alt+3).
        </Typography>
      </Paper>
    </Box>
  );
}
