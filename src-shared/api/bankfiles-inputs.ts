import { z } from 'zod';
import { filePath, oneSource, oneSourceMessage, uploadedFile } from './uploads';

/** Inputs of the bank-file commands. */
export const bankFileInputs = {
  /** The file as a path (command line only), base64 content or an upload; `xsd` (a path) also validates XML. */
  'bankfiles:check': z
    .strictObject({ file: filePath.optional(), ...uploadedFile, xsd: filePath.optional() })
    .refine(oneSource, oneSourceMessage),
};
