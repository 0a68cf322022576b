import { useRef, useState } from 'react';
import type { CommandInput } from '../../../../src-shared/api/contract';
import type { ConfirmationDto } from '../../../../src-shared/dto/confirmations';
import { call, errorMessage } from '../../api/client';

type Operation = CommandInput<'confirmations:prepare'>['operation'];

/** The preview a confirmation dialog shows: none yet (preparing), the service's preview, or why it failed. */
export type Prepared = { preview: ConfirmationDto | null; error: string | null };

/**
 * A confirmation prepared on the operator's click, never by a cached read: each prepare stores a confirmation
 * the service accepts once, so a background refresh must not swap the preview the operator is looking at.
 * A later prepare (or `clear`) wins over an earlier one still on its way.
 */
export function useConfirmation() {
  const [prepared, setPrepared] = useState<Prepared & { seq: number }>({
    preview: null,
    error: null,
    seq: 0,
  });
  const seq = useRef(0);
  const prepare = (operation: Operation, input: Record<string, unknown>): void => {
    const mine = ++seq.current;
    setPrepared({ preview: null, error: null, seq: mine });
    const settle = (next: Prepared) =>
      setPrepared((cur) => (cur.seq === mine ? { ...next, seq: mine } : cur));
    call('confirmations:prepare', { operation, input }).then(
      (preview) => settle({ preview, error: null }),
      (err: unknown) => settle({ preview: null, error: errorMessage(err) }),
    );
  };
  const clear = (): void => {
    seq.current++;
    setPrepared({ preview: null, error: null, seq: seq.current });
  };
  return { prepared: { preview: prepared.preview, error: prepared.error }, prepare, clear };
}
