import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Typography from '@mui/material/Typography';

/** Asks before entries leave the batch (the Delete key or button). */
export function DeleteEntriesDialog({
  ids,
  onCancel,
  onConfirm,
}: {
  /** The entries to delete; null keeps the dialog closed. */
  ids: readonly number[] | null;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const one = ids?.length === 1;
  return (
    <Dialog
      open={ids !== null}
      onClose={onCancel}
      data-testid="delete-entries-dialog"
      aria-labelledby="delete-entries-title"
    >
      <DialogTitle id="delete-entries-title">
        Delete {one ? 'this entry' : `${ids?.length ?? 0} entries`}?
      </DialogTitle>
      <DialogContent>
        <Typography variant="body2">
          The {one ? 'entry leaves' : 'entries leave'} the batch; the count and total of the zero-proof bar go
          down accordingly. Posted entries are never deleted.
        </Typography>
      </DialogContent>
      <DialogActions>
        <Button onClick={onCancel}>Cancel</Button>
        <Button
          color="error"
          variant="contained"
          autoFocus
          onClick={onConfirm}
          data-testid="delete-entries-confirm"
        >
          Delete
        </Button>
      </DialogActions>
    </Dialog>
  );
}
