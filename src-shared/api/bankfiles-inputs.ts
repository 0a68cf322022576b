import { z } from 'zod';
import { filePath, oneSource, oneSourceMessage, uploadedFile } from './uploads';

/** Inputs of the bank-file commands. */
export const bankFileInputs = {
  /** The file as a path (command line only), base64 content or an upload; `xsd` (a path) also validates XML. */
  'bankfiles:check': z
    .strictObject({
      file: filePath.optional(),
      ...uploadedFile,
      xsd: filePath.optional(),
      /** A saved import template: checks a lockbox, delimited or fixed-width file the way its import reads it. */
      template: z.string().trim().min(1).max(200).optional(),
      /** The currency whose decimals a template's amounts have (default USD). */
      currency: z
        .string()
        .regex(/^[A-Z]{3}$/, 'a three-letter currency code')
        .optional(),
    })
    .refine(oneSource, oneSourceMessage),
};
