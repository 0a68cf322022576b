import type { BankFileCheckDto } from '../../dto/bankfiles';
import { z } from 'zod';
import { filePath, oneSource, oneSourceMessage, uploadedFile } from '../uploads';
import { defineCommand } from '../define';

/**
 * Bank files (NACHA, ISO 20022): checking a file against its format.
 *
 * The output type of each bank-file command.
 *
 * Who may run each bank-file command: a check reads a file and changes nothing.
 *
 * Inputs of the bank-file commands.
 */
export const bankFilesCommands = {
  /** The file as a path (command line only), base64 content or an upload; `xsd` (a path) also validates XML. */
  'bankfiles:check': defineCommand({
    roles: 'any',
    input: z
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
  }).output<BankFileCheckDto>(),
};
