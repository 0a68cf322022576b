import type { Result } from '../../src-shared/api/result';
import type { ConfirmableOperation } from '../../src-shared/dto/confirmations';

/**
 * Runs a command that sends money the way an operator does: prepare the preview, then confirm exactly that
 * preview (a refused prepare is returned as it is).
 */
export async function dispatchConfirmed(
  app: { dispatch: (command: string, input: unknown) => Promise<Result<unknown>> },
  operation: ConfirmableOperation,
  input: Record<string, unknown>,
): Promise<Result<unknown>> {
  const prepared = await app.dispatch('confirmations:prepare', { operation, input });
  if (!prepared.ok) return prepared;
  return app.dispatch(operation, { ...input, confirmationId: (prepared.value as { id: number }).id });
}
