import { useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import IconButton from '@mui/material/IconButton';
import TextField from '@mui/material/TextField';
import Tooltip from '@mui/material/Tooltip';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutlined';
import EditOutlinedIcon from '@mui/icons-material/EditOutlined';
import type { SuspenseSavedSearchDto } from '../../../../src-shared/dto/suspense';
import { errorMessage } from '../../api/client';
import { useApiMutation } from '../../components/query';

/**
 * The operator's saved searches: open one, rename it in place (Enter keeps, Escape drops) or delete it. A
 * successful change marks the list stale, so it reads again.
 */
export function SavedSearchList({
  saved,
  onOpen,
  onError,
}: {
  saved: readonly SuspenseSavedSearchDto[];
  onOpen: (s: SuspenseSavedSearchDto) => void;
  onError: (message: string | null) => void;
}) {
  const [renaming, setRenaming] = useState<{ id: number; name: string } | null>(null);
  const renameSearch = useApiMutation('suspense:rename-search');
  const deleteSearch = useApiMutation('suspense:delete-search');

  const rename = async (): Promise<void> => {
    if (!renaming || !renaming.name.trim()) return;
    try {
      await renameSearch.run({ id: renaming.id, name: renaming.name.trim() });
      setRenaming(null);
      onError(null);
    } catch (err) {
      onError(errorMessage(err));
    }
  };

  return saved.map((s) =>
    renaming?.id === s.id ? (
      <TextField
        key={s.id}
        size="small"
        autoFocus
        value={renaming.name}
        onChange={(e) => setRenaming({ id: s.id, name: e.target.value })}
        onKeyDown={(e) => {
          if (e.key === 'Enter') void rename();
          if (e.key === 'Escape') {
            e.stopPropagation();
            setRenaming(null);
          }
        }}
        onBlur={() => setRenaming(null)}
        helperText="Enter to rename, Escape to keep"
        slotProps={{ htmlInput: { 'data-testid': 'rename-search-name', maxLength: 100 } }}
      />
    ) : (
      <Box key={s.id} sx={{ display: 'flex', alignItems: 'center' }}>
        <Button
          size="small"
          sx={{ flex: 1, justifyContent: 'flex-start', textTransform: 'none', minWidth: 0 }}
          onClick={() => onOpen(s)}
          data-testid={`saved-search-${s.name}`}
        >
          {s.name}
        </Button>
        <Tooltip title="Rename this saved search">
          <IconButton
            size="small"
            aria-label={`Rename saved search ${s.name}`}
            data-testid={`rename-search-${s.name}`}
            onClick={() => setRenaming({ id: s.id, name: s.name })}
          >
            <EditOutlinedIcon fontSize="small" />
          </IconButton>
        </Tooltip>
        <Tooltip title="Delete this saved search">
          <IconButton
            size="small"
            aria-label={`Delete saved search ${s.name}`}
            data-testid={`delete-search-${s.name}`}
            onClick={() => {
              deleteSearch.run({ id: s.id }).then(
                () => onError(null),
                (err: unknown) => onError(errorMessage(err)),
              );
            }}
          >
            <DeleteOutlineIcon fontSize="small" />
          </IconButton>
        </Tooltip>
      </Box>
    ),
  );
}
