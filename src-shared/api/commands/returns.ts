import type { ReturnsImportDto, ReturnsPreviewDto } from '../../dto/returns';
import { ANY, DESK } from '../operator-roles';
import { z } from 'zod';
import { filePath, oneSource, oneSourceMessage, uploadedFile } from '../uploads';
import { defineCommand } from '../define';
import { id } from './fields';

/**
 * Bank returns, rejections and bounced payments: the return batches of the Payment Tool (DOMAIN.md §4.25).
 *
 * Who may run each returns command. Importing creates an open return batch (and applies notifications of
 * change to mandates); the money moves only when the batch is submitted, under the reversal approval rules.
 *
 * Inputs of the returns commands: a returns file (path on the command line, else bytes or an upload).
 */
export const returnsCommands = {
  'returns:preview': defineCommand({
    roles: ANY,
    writes: true,
    input: z.strictObject({ file: filePath.optional(), ...uploadedFile }).refine(oneSource, oneSourceMessage),
  }).output<ReturnsPreviewDto>(),
  'returns:import': defineCommand({
    roles: DESK,
    changes: 'batches',
    input: z.strictObject({ file: filePath.optional(), ...uploadedFile }).refine(oneSource, oneSourceMessage),
  }).output<ReturnsImportDto>(),
  'returns:bounce': defineCommand({
    roles: DESK,
    changes: 'batches',
    input: z.strictObject({
      paymentId: id,
      code: z
        .string()
        .trim()
        .regex(/^[A-Za-z0-9]{1,8}$/, 'a rejection code (1-8 letters or digits)'),
      text: z.string().trim().max(200).optional(),
    }),
  }).output<ReturnsImportDto>(),
};
