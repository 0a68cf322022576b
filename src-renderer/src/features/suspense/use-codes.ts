import { useMemo } from 'react';
import type { ReasonCodeDto } from '../../../../src-shared/dto/codes';
import { useApiQuery } from '../../components/query';

/** Reason-code lists the Payment Center uses, by domain. */
export type SuspenseCodes = {
  reasons: ReasonCodeDto[];
  owners: ReasonCodeDto[];
  reversalReasons: ReasonCodeDto[];
  paymentReversalReasons: ReasonCodeDto[];
};

const NONE: ReasonCodeDto[] = [];

/**
 * Reads the suspense reasons (14), action owners (15), suspense reversal reasons (16) and payment reversal reasons
 * (17). A list that fails stays empty: the lists only help the analyst pick, and the services check every code.
 */
export function useSuspenseCodes(): SuspenseCodes {
  const reasons = useApiQuery('codes:list', { domainId: 14 }).data ?? NONE;
  const owners = useApiQuery('codes:list', { domainId: 15 }).data ?? NONE;
  const reversalReasons = useApiQuery('codes:list', { domainId: 16 }).data ?? NONE;
  const paymentReversalReasons = useApiQuery('codes:list', { domainId: 17 }).data ?? NONE;
  return useMemo(
    () => ({ reasons, owners, reversalReasons, paymentReversalReasons }),
    [reasons, owners, reversalReasons, paymentReversalReasons],
  );
}
