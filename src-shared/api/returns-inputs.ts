import { z } from 'zod';
import { filePath, oneSource, oneSourceMessage, uploadedFile } from './uploads';

const id = z.int().min(1).max(Number.MAX_SAFE_INTEGER);

/** Inputs of the returns commands: a returns file (path on the command line, else bytes or an upload). */
export const returnsInputs = {
  'returns:preview': z
    .strictObject({ file: filePath.optional(), ...uploadedFile })
    .refine(oneSource, oneSourceMessage),
  'returns:import': z
    .strictObject({ file: filePath.optional(), ...uploadedFile })
    .refine(oneSource, oneSourceMessage),
  'returns:bounce': z.strictObject({
    paymentId: id,
    code: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9]{1,8}$/, 'a rejection code (1-8 letters or digits)'),
    text: z.string().trim().max(200).optional(),
  }),
};
