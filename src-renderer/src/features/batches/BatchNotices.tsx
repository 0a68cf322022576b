import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Link from '@mui/material/Link';
import type { BatchDto, BatchSubmitDto } from '../../../../src-shared/dto/batches';
import { useAppInfo } from '../../app/app-info';
import { formatCount } from '../../components/format';

/** An outcome or refusal shown above the grid until the clerk closes it or does something else. */
export type Notice =
  | { kind: 'error'; text: string; rule?: string | undefined }
  | { kind: 'validated'; text: string }
  | { kind: 'cancelled'; text: string }
  | { kind: 'exception'; moved: number; batch: BatchDto }
  | { kind: 'submitted'; result: BatchSubmitDto };

/** The batch's last outcome or refusal, above the grid until the clerk closes it or does something else. */
export function BatchNotices({
  notice,
  batch,
  onClose,
  onOpenBatch,
}: {
  notice: Notice | null;
  batch: BatchDto;
  onClose: () => void;
  onOpenBatch: (id: number) => void;
}) {
  const { money } = useAppInfo();
  return (
    <>
      {notice?.kind === 'cancelled' && (
        <Alert severity="info" onClose={onClose} data-testid="batch-cancelled">
          {notice.text}
        </Alert>
      )}
      {notice?.kind === 'error' && (
        <Alert severity="error" onClose={onClose} data-testid="batch-error" data-rule={notice.rule ?? ''}>
          {notice.text}
        </Alert>
      )}
      {notice?.kind === 'validated' && (
        <Alert severity="info" onClose={onClose} data-testid="validate-result">
          {notice.text}
        </Alert>
      )}
      {notice?.kind === 'exception' && (
        <Alert severity="success" onClose={onClose} data-testid="exception-result">
          Moved {formatCount(notice.moved)} {notice.moved === 1 ? 'entry' : 'entries'} to exception batch{' '}
          <Link
            component="button"
            onClick={() => onOpenBatch(notice.batch.id)}
            sx={{ fontFamily: 'monospace', verticalAlign: 'baseline' }}
            data-testid="exception-link"
          >
            {notice.batch.batchNo}
          </Link>
          . This batch keeps its control figures and its zero proof counts what moved; the exception batch
          carries what the slip leaves for it. Validate again before submitting.
        </Alert>
      )}
      {notice?.kind === 'submitted' && (
        <Alert severity="success" onClose={onClose} data-testid="submit-result">
          Submitted in {notice.result.elapsedMs} ms:{' '}
          {batch.batchType === 'refund' ? (
            <>
              <span data-testid="submit-refunded">{formatCount(notice.result.refunded)} refunded</span> (
              {money(notice.result.refundedMinor, batch.currency, true)})
            </>
          ) : (
            <>
              <span data-testid="submit-posted">{formatCount(notice.result.posted)} posted</span> (
              {money(notice.result.postedMinor, batch.currency, true)}),{' '}
              <span data-testid="submit-suspended">{formatCount(notice.result.suspended)} suspended</span> (
              {money(notice.result.suspendedMinor, batch.currency, true)})
            </>
          )}
          {notice.result.reversed > 0 && (
            <>
              , <span data-testid="submit-reversed">{formatCount(notice.result.reversed)} reversed</span>
            </>
          )}
          {notice.result.alreadyPosted > 0 &&
            `, ${formatCount(notice.result.alreadyPosted)} were already posted`}
          .
        </Alert>
      )}
      {notice?.kind === 'submitted' && notice.result.duplicates > 0 && (
        <Alert severity="warning" data-testid="submit-duplicates">
          {formatCount(notice.result.duplicates)}{' '}
          {notice.result.duplicates === 1 ? 'suspected duplicate was' : 'suspected duplicates were'} not
          posted and stay in the batch: a supervisor may release them, or move them to an exception batch.
        </Alert>
      )}
      {notice?.kind === 'submitted' && notice.result.failed.length > 0 && (
        <Alert severity="warning" data-testid="submit-failed">
          {formatCount(notice.result.failed.length)}{' '}
          {notice.result.failed.length === 1 ? 'entry was' : 'entries were'} not posted and stay in the batch
          (marked invalid with the reason): fix them or move them to an exception batch, validate and submit
          again.
          <Box component="ul" sx={{ m: 0, pl: 2 }}>
            {notice.result.failed.slice(0, 5).map((f) => (
              <li key={f.entryId}>
                #{f.seq}: {f.message}
              </li>
            ))}
          </Box>
        </Alert>
      )}
    </>
  );
}
