import { useEffect, useState } from 'react';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import type { TemplateProposalDto } from '../../../../../src-shared/dto/batches';
import { call } from '../../../api/client';

/** Below this confidence a proposal is not shown: the clerk chooses or builds a layout. */
const SHOW_FROM = 0.5;

/**
 * The best template proposal for the chosen file (templates:detect), or null while none is known. Asked once per
 * file; a failed detection shows nothing, the clerk still chooses a template.
 */
export function useDetectedFormat(
  source: { content: string; fileName: string } | { uploadId: string } | null,
  file: object | null,
): TemplateProposalDto | null {
  const [found, setFound] = useState<{ file: object; best: TemplateProposalDto | null } | null>(null);
  useEffect(() => {
    if (!source || !file) return;
    let live = true;
    call('templates:detect', source).then(
      (all) => live && setFound({ file, best: all[0] && all[0].confidence >= SHOW_FROM ? all[0] : null }),
      () => live && setFound({ file, best: null }),
    );
    return () => {
      live = false;
    };
    // The source is derived from the file: asking again for the same file would repeat the same answer.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [file]);
  return found && found.file === file ? found.best : null;
}

/** "Looks like Stock BAI2 — 98%", with a button to use that template when another one is chosen. */
export function DetectedFormat({
  proposal,
  chosen,
  onUse,
}: {
  proposal: TemplateProposalDto;
  chosen: boolean;
  onUse: () => void;
}) {
  const pct = Math.round(proposal.confidence * 100);
  return (
    <Alert
      severity={proposal.confidence >= 0.9 ? 'success' : 'info'}
      data-testid="import-detected"
      data-template={proposal.name}
      title={proposal.why}
      action={
        chosen ? undefined : (
          <Button size="small" onClick={onUse} data-testid="import-detected-use">
            Use it
          </Button>
        )
      }
      sx={{ py: 0 }}
    >
      Looks like {proposal.name} — {pct}% ({proposal.why})
    </Alert>
  );
}
