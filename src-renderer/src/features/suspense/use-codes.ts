import { useEffect, useState } from 'react';
import type { ReasonCodeDto } from '../../../../src-shared/dto/codes';
import { call } from '../../api/client';

/** Reason-code lists the Payment Center uses, by domain. */
export type SuspenseCodes = {
  reasons: ReasonCodeDto[];
  owners: ReasonCodeDto[];
  reversalReasons: ReasonCodeDto[];
  paymentReversalReasons: ReasonCodeDto[];
};

const EMPTY: SuspenseCodes = { reasons: [], owners: [], reversalReasons: [], paymentReversalReasons: [] };

/** Loads the suspense reasons (14), action owners (15), suspense reversal reasons (16) and payment reversal reasons (17). */
export function useSuspenseCodes(): SuspenseCodes {
  const [codes, setCodes] = useState<SuspenseCodes>(EMPTY);
  useEffect(() => {
    let live = true;
    Promise.all([14, 15, 16, 17].map((domainId) => call('codes:list', { domainId }))).then(
      ([reasons, owners, reversalReasons, paymentReversalReasons]) => {
        if (live)
          setCodes({
            reasons: reasons ?? [],
            owners: owners ?? [],
            reversalReasons: reversalReasons ?? [],
            paymentReversalReasons: paymentReversalReasons ?? [],
          });
      },
      () => {
        // The lists only help the analyst pick; the services check every code, so an empty list is safe.
      },
    );
    return () => {
      live = false;
    };
  }, []);
  return codes;
}
