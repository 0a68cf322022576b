import { z } from 'zod';
import { amountTextProblem } from '../money';

/** Room for the longest amount the contract style can write (15 digits, groups, 4 decimals, sign) and then some. */
const MAX_AMOUNT_TEXT = 40;

/** An amount schema: text in the contract style (see CONTRACT_AMOUNT_STYLE), checked by the shared parser. */
function amountSchema(signed: boolean, hint: string) {
  return (
    z
      .string()
      .trim()
      .max(MAX_AMOUNT_TEXT, hint)
      .superRefine((text, ctx) => {
        const problem = amountTextProblem(text, { signed });
        if (problem !== null) ctx.addIssue({ code: 'custom', message: `${problem}; ${hint}` });
      })
      // The rule travels with the schema `paydesk api` prints, since a refinement has no JSON Schema form.
      .describe(
        `amount text: ${signed ? 'optional sign, ' : ''}digits with optional ',' between groups of three, optional '.' and up to as many decimals as the currency has`,
      )
  );
}

/**
 * Money at the contract: a decimal string in the contract style ("1234.50", "1,234.50", "-3"). The shape is
 * checked here; the service reads it again with the currency's exponent, which only the ledger knows.
 */
export const amountInput = amountSchema(true, 'write an amount such as 1,234.50');

/** Money that is positive by nature (processor charges and refunds, minimum amounts): no sign. */
export const unsignedAmountInput = amountSchema(false, 'write a positive amount such as 1,234.50');
