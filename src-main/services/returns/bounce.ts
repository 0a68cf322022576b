import { rejectionCodeQuery } from '../../../db/repos/reference-data';
import type { Storage } from '../../../db/storage/port';
import type { ReturnsImportDto } from '../../../src-shared/dto/returns';
import { invalidFields } from '../../ledger/errors';
import { importReturnsIn } from './import';

/** A bounced payment keyed by hand: the payment, the admin rejection code that says why, and a note. */
export type BounceInput = { paymentId: number; code: string; text?: string | undefined };

/**
 * Records a bounced payment (a returned check, a debit the bank refused over the counter) as a one-entry return
 * batch through the same path as a returns file (kind `bounced`, return key `payment:<id>:bounced:<code>`):
 * the batch then validates and submits as any return batch. The code must be one of the admin's rejection
 * codes (the reason picker lists them); a payment that cannot be returned is refused with the reason. The code is
 * checked and the return recorded in one serializable transaction: a bounce racing an import of a file that
 * returns the same payment ends as one after the other would.
 */
export function bouncePayment(
  storage: Storage,
  input: BounceInput,
  now: Date,
  operatorId: number | null,
): Promise<ReturnsImportDto> {
  const code = input.code.trim();
  return storage.transaction(
    async (tx) => {
      if (!(await tx.get(rejectionCodeQuery(code))))
        throw invalidFields(`rejection code ${code} is not configured (admin: rejection codes)`, [
          { path: 'code', message: `unknown rejection code ${code}` },
        ]);
      return importReturnsIn(
        tx,
        {
          format: 'rejections',
          items: [
            {
              ref: { instructionId: String(input.paymentId) },
              amountMinor: null,
              currency: null,
              kind: 'bounced',
              code,
              text: input.text,
            },
          ],
          changes: [],
          accepted: 0,
          problems: [],
          warnings: [],
        },
        { format: 'manual', sha256: null, fileName: null },
        now,
        operatorId,
        { requireMatch: true },
      );
    },
    { serializable: true },
  );
}
