import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';
import AccountTreeIcon from '@mui/icons-material/AccountTree';
import AssessmentIcon from '@mui/icons-material/Assessment';
import UndoIcon from '@mui/icons-material/Undo';
import CallSplitIcon from '@mui/icons-material/CallSplit';
import DeleteForeverIcon from '@mui/icons-material/DeleteForever';
import DownloadIcon from '@mui/icons-material/Download';
import FactCheckIcon from '@mui/icons-material/FactCheck';
import PauseCircleOutlineIcon from '@mui/icons-material/PauseCircleOutlined';
import PlayCircleOutlineIcon from '@mui/icons-material/PlayCircleOutlined';
import SendIcon from '@mui/icons-material/Send';
import type { BatchDto, BatchEntryDto } from '../../../../src-shared/dto/batches';
import { formatCount } from '../../components/format';
import { isDiscardable } from './labels';

/** The batch's action bar (validate, allocate, suspend, release, exception batch, submit, report, export, discard). */
export function BatchActions({
  batch,
  focused,
  editable,
  busy,
  canAllocate,
  canSuspend,
  canRelease,
  exceptionCount,
  blocker,
  onValidate,
  onAllocate,
  onSuspend,
  onRelease,
  onException,
  onSubmit,
  onReport,
  onUndo,
  onExport,
  onDiscard,
  dense,
}: {
  batch: BatchDto;
  focused: BatchEntryDto | null;
  editable: boolean;
  /** The name of the action under way, or null. */
  busy: string | null;
  canAllocate: boolean;
  canSuspend: boolean;
  canRelease: boolean;
  exceptionCount: number;
  /** Why the batch cannot be submitted now, or null. */
  blocker: string | null;
  onValidate: () => void;
  onAllocate: () => void;
  onSuspend: () => void;
  onRelease: () => void;
  onException: () => void;
  onSubmit: () => void;
  onReport: () => void;
  /** Offered on a submitted payment batch to supervisors and admins; absent otherwise. */
  onUndo?: (() => void) | undefined;
  onExport: () => void;
  onDiscard: () => void;
  /** Smaller buttons, so the bar keeps to one line on a laptop screen. */
  dense: boolean;
}) {
  const batchId = batch.id;
  return (
    <>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: dense ? 0.5 : 1, flexWrap: 'wrap' }}>
        <Button
          size={dense ? 'small' : 'medium'}
          variant="contained"
          startIcon={<FactCheckIcon />}
          onClick={onValidate}
          disabled={!editable || busy !== null}
          title="Validate every entry (F7)"
          data-testid="validate"
        >
          Validate
        </Button>
        {batch.batchType === 'payment' && (
          <Button
            size={dense ? 'small' : 'medium'}
            startIcon={<AccountTreeIcon />}
            onClick={onAllocate}
            disabled={!canAllocate || busy !== null}
            title="Allocate the focused entry to bills or items by hand (F6)"
            data-testid="allocate-entry"
          >
            Allocate
          </Button>
        )}
        {batch.batchType === 'payment' && (
          <Button
            size={dense ? 'small' : 'medium'}
            startIcon={<PauseCircleOutlineIcon />}
            onClick={onSuspend}
            disabled={!canSuspend || busy !== null}
            title="Suspend the focused entry with a reason code (F8)"
            data-testid="suspend-entry"
          >
            Suspend
          </Button>
        )}
        {batch.batchType === 'payment' && (
          <Button
            size={dense ? 'small' : 'medium'}
            onClick={() => {
              if (focused) window.location.hash = `#/suspense/entry:${batchId}:${focused.id}`;
            }}
            disabled={focused?.status !== 'to_be_suspended' || !editable}
            title="Look the focused entry up in Payment Center, correct it there and come back to validate"
            data-testid="entry-to-payment-center"
          >
            Payment Center
          </Button>
        )}
        {batch.batchType === 'payment' && (
          <Button
            size={dense ? 'small' : 'medium'}
            startIcon={<PlayCircleOutlineIcon />}
            onClick={onRelease}
            disabled={!canRelease || busy !== null}
            title="Release the focused entry from manual suspense (Shift+F8)"
            data-testid="release-entry"
          >
            Release
          </Button>
        )}
        <Button
          size={dense ? 'small' : 'medium'}
          startIcon={<CallSplitIcon />}
          onClick={onException}
          disabled={!editable || exceptionCount === 0 || busy !== null}
          title="Move invalid, allocation-required and suspected-duplicate entries to a new linked batch (F9)"
          data-testid="exception-batch"
        >
          Exception batch{exceptionCount > 0 ? ` (${formatCount(exceptionCount)})` : ''}
        </Button>
        <Button
          size={dense ? 'small' : 'medium'}
          variant="contained"
          color="success"
          startIcon={<SendIcon />}
          onClick={onSubmit}
          disabled={blocker !== null || busy !== null}
          title="Submit the batch to the ledger (F4)"
          data-testid="submit-batch"
        >
          Submit
        </Button>
        <Box sx={{ ml: 'auto', display: 'flex', gap: 1 }}>
          <Button
            size={dense ? 'small' : 'medium'}
            startIcon={<AssessmentIcon />}
            onClick={onReport}
            disabled={busy !== null}
            title="Batch report: counts and totals per status, suspended list, exceptions (CSV, PDF)"
            data-testid="batch-report"
          >
            Report
          </Button>
          {onUndo && (
            <Button
              size={dense ? 'small' : 'medium'}
              startIcon={<UndoIcon />}
              onClick={onUndo}
              disabled={busy !== null}
              title="Reverse every payment of this batch through a reversal batch, under the approval rules"
              data-testid="undo-batch"
            >
              Undo batch…
            </Button>
          )}
          <Button
            size={dense ? 'small' : 'medium'}
            startIcon={<DownloadIcon />}
            onClick={onExport}
            disabled={busy !== null}
            title="Download the hand-over file to continue elsewhere (Ctrl+Shift+E)"
            data-testid="export-batch"
          >
            Export
          </Button>
          <Button
            size={dense ? 'small' : 'medium'}
            color="error"
            startIcon={<DeleteForeverIcon />}
            onClick={onDiscard}
            disabled={!isDiscardable(batch) || busy !== null}
            data-testid="discard-batch"
          >
            Discard
          </Button>
        </Box>
      </Box>
      {blocker && editable && (
        <Typography
          variant="body2"
          color="textSecondary"
          sx={{ mt: -0.5 }}
          data-testid="submit-blocked-reason"
        >
          Submit is not possible yet: {blocker}
        </Typography>
      )}
    </>
  );
}
