import { useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Divider from '@mui/material/Divider';
import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import Menu from '@mui/material/Menu';
import MenuItem from '@mui/material/MenuItem';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import KeyboardIcon from '@mui/icons-material/Keyboard';
import AddIcon from '@mui/icons-material/Add';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutlined';
import UndoIcon from '@mui/icons-material/Undo';
import ViewColumnIcon from '@mui/icons-material/ViewColumn';
import type { ReactNode } from 'react';
import type { MenuColumn } from './use-column-layout';

const KEYING_HELP =
  'Tab next cell · Enter on the amount: next entry · Ctrl+Enter new entry · Ctrl+D copy down · Ctrl+Z undo · Space select · Del delete';

/** The buttons above the entries grid: new entry, delete, undo, the Columns menu, and room for more. */
export function EntriesToolbar({
  editable,
  undoSize,
  menuColumns,
  onNewEntry,
  onDelete,
  onUndo,
  onOpenColumns,
  onToggleColumn,
  onResetColumns,
  children,
  compactHelp = false,
}: {
  editable: boolean;
  undoSize: number;
  menuColumns: readonly MenuColumn[];
  onNewEntry: () => void;
  onDelete: () => void;
  onUndo: () => void;
  /** Called as the Columns menu opens, so it lists the columns as the grid has them now. */
  onOpenColumns: () => void;
  onToggleColumn: (colId: string, visible: boolean) => void;
  onResetColumns: () => void;
  /** Further controls (density, problems panel), placed after the Columns menu. */
  children?: ReactNode;
  /** The keying keys behind an icon (its tooltip), so the toolbar keeps to one line. */
  compactHelp?: boolean;
}) {
  const [columnsAnchor, setColumnsAnchor] = useState<HTMLElement | null>(null);
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
      <Button
        size="small"
        variant="outlined"
        startIcon={<AddIcon />}
        onClick={onNewEntry}
        disabled={!editable}
        title="New entry (Ctrl+Enter)"
        data-testid="new-entry"
      >
        New entry
      </Button>
      <Button
        size="small"
        startIcon={<DeleteOutlineIcon />}
        onClick={onDelete}
        disabled={!editable}
        title="Delete the selected entries, or the focused one (Delete)"
        data-testid="delete-entries"
      >
        Delete
      </Button>
      <Button
        size="small"
        startIcon={<UndoIcon />}
        onClick={onUndo}
        disabled={!editable || undoSize === 0}
        title="Undo the last cell edit (Ctrl+Z)"
        data-testid="undo-edit"
      >
        Undo{undoSize > 0 ? ` (${undoSize})` : ''}
      </Button>
      <Button
        size="small"
        startIcon={<ViewColumnIcon />}
        onClick={(e) => {
          onOpenColumns();
          setColumnsAnchor(e.currentTarget);
        }}
        title="Show, hide and reset columns; drag headers to reorder, drag their edges to resize"
        data-testid="grid-columns"
      >
        Columns
      </Button>
      {children}
      {editable && compactHelp && (
        <Tooltip title={KEYING_HELP}>
          <KeyboardIcon
            fontSize="small"
            color="action"
            sx={{ ml: 'auto' }}
            data-testid="keying-help"
            aria-label={KEYING_HELP}
          />
        </Tooltip>
      )}
      {editable && !compactHelp && (
        <Typography
          variant="caption"
          color="textSecondary"
          sx={{ ml: 'auto', lineHeight: 1.3 }}
          data-testid="keying-help"
        >
          Tab next cell · Enter on the amount: next entry · Ctrl+Enter new entry · Ctrl+D copy down · Ctrl+Z
          undo · Space select · Del delete
        </Typography>
      )}
      <Menu anchorEl={columnsAnchor} open={columnsAnchor !== null} onClose={() => setColumnsAnchor(null)}>
        {menuColumns.map((c) => (
          <MenuItem
            key={c.colId}
            dense
            onClick={() => onToggleColumn(c.colId, !c.visible)}
            data-testid={`column-toggle-${c.colId}`}
          >
            <ListItemIcon>
              <Checkbox size="small" edge="start" checked={c.visible} tabIndex={-1} disableRipple />
            </ListItemIcon>
            <ListItemText primary={c.name} />
          </MenuItem>
        ))}
        <Divider />
        <MenuItem
          dense
          onClick={() => {
            onResetColumns();
            setColumnsAnchor(null);
          }}
          data-testid="columns-reset"
        >
          <ListItemText primary="Reset to the default layout" />
        </MenuItem>
      </Menu>
    </Box>
  );
}
