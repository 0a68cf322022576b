import type {
  MandateRevisionCodeDto,
  PaymentTermDefaultDto,
  PaymentTermDto,
  RejectionCodeDto,
} from '../../../../src-shared/dto/admin';
import { call } from '../../api/client';
import { CodeListSection } from '../../components/CodeListSection';
import { useCommand } from '../../components/use-command';

/** Payment terms (V17): a term used by a term default cannot be deleted until the default is gone. */
export function TermsList({
  canEdit,
  terms,
  defaults,
  reload,
}: {
  canEdit: boolean;
  terms: readonly PaymentTermDto[] | null;
  defaults: readonly PaymentTermDefaultDto[];
  reload: () => Promise<void>;
}) {
  return (
    <CodeListSection<PaymentTermDto>
      title="Payment terms (V17: code up to 3 uppercase characters)"
      prefix="term"
      noun="term"
      rows={terms}
      keyField="code"
      canEdit={canEdit}
      blank={{ code: '', description: '', days: 30 }}
      columns={[
        { label: 'Code', value: (t) => t.code, width: 80 },
        { label: 'Description', value: (t) => t.description },
        { label: 'Days', value: (t) => t.days, width: 70 },
      ]}
      fields={[
        { key: 'code', label: 'Code', width: 90, maxLength: 3, upper: true },
        { key: 'description', label: 'Description', width: 280, maxLength: 30 },
        { key: 'days', label: 'Days', kind: 'int', width: 90 },
      ]}
      save={(t) => call('admin:save-term', t)}
      remove={(t) => call('admin:delete-term', { code: t.code })}
      deleteBlocked={(t) => {
        const usedBy = defaults.find((d) => d.termCode === t.code);
        return usedBy ? `The term of default ${usedBy.code}` : null;
      }}
      onChanged={reload}
    />
  );
}

/** A new mandate revision code's starting values: an amendment raised as a mandate event. */
const NEW_MANDATE_CODE: MandateRevisionCodeDto = {
  code: '',
  name: '',
  action: 'amend',
  reasonType: 0,
  reasonCode: 0,
  eventType: 'MANDATE',
  eventCode: '',
};

/** Mandate revision codes (DOMAIN.md §2.21): what a processor's mandate notice means and the event it raises. */
export function MandateCodesList({ canEdit }: { canEdit: boolean }) {
  const codes = useCommand('admin:mandate-codes', {});
  return (
    <CodeListSection<MandateRevisionCodeDto>
      title="Mandate revision codes"
      prefix="mandate"
      noun="mandate revision code"
      rows={codes.data}
      keyField="code"
      canEdit={canEdit}
      blank={NEW_MANDATE_CODE}
      columns={[
        { label: 'Code', value: (m) => m.code },
        { label: 'Name', value: (m) => m.name },
        { label: 'Action', value: (m) => m.action },
        { label: 'Event', value: (m) => `${m.eventType}/${m.eventCode}` },
      ]}
      fields={[
        { key: 'code', label: 'Code', width: 120, maxLength: 16 },
        { key: 'name', label: 'Name', width: 360, maxLength: 60 },
        {
          key: 'action',
          label: 'Action',
          kind: 'select',
          width: 230,
          options: [
            { value: 'amend', label: 'Amend the mandate' },
            { value: 'cancel', label: 'Cancel the mandate' },
          ],
        },
        { key: 'reasonType', label: 'Reason type', kind: 'int', width: 120 },
        { key: 'reasonCode', label: 'Reason code', kind: 'int', width: 120 },
        { key: 'eventType', label: 'Event type' },
        { key: 'eventCode', label: 'Event code' },
      ]}
      save={(m) => call('admin:save-mandate-code', m)}
      remove={(m) => call('admin:delete-mandate-code', { code: m.code })}
      onChanged={codes.reload}
    />
  );
}

/** A new rejection code's starting values: a soft decline retried twice. */
const NEW_REJECTION_CODE: RejectionCodeDto = {
  code: '',
  description: '',
  reasonType: 2,
  reasonCode: 0,
  declineClass: 'soft',
  maxRetries: 2,
  retryReasonCode: null,
  retryEvent: 'PAYMENT_RETRY',
  suspensionDays: 5,
  exhaustedEvent: 'PAYMENT_CANCELLED',
  refundEvent: null,
  fallbackPayType: 10001,
};

/**
 * Recurring payment rejection codes (DOMAIN.md §2.21, §4.25): a soft decline is retried and suspends automated
 * payments for some days; a hard decline is not retried. The service checks the rules.
 */
export function RejectionCodesList({ canEdit }: { canEdit: boolean }) {
  const codes = useCommand('admin:rejection-codes', {});
  return (
    <CodeListSection<RejectionCodeDto>
      title="Recurring payment rejection codes"
      prefix="rejection"
      noun="rejection code"
      rows={codes.data}
      keyField="code"
      canEdit={canEdit}
      blank={NEW_REJECTION_CODE}
      columns={[
        { label: 'Code', value: (r) => r.code },
        { label: 'Description', value: (r) => r.description },
        { label: 'Class', value: (r) => r.declineClass },
        { label: 'Retries', value: (r) => r.maxRetries },
        { label: 'Suspend days', value: (r) => r.suspensionDays },
        {
          label: 'Events',
          value: (r) => [r.retryEvent, r.exhaustedEvent, r.refundEvent].filter(Boolean).join(', '),
        },
      ]}
      fields={[
        { key: 'code', label: 'Code', width: 120, maxLength: 16 },
        { key: 'description', label: 'Description', width: 360, maxLength: 60 },
        { key: 'reasonType', label: 'Reason type', kind: 'int', width: 120 },
        { key: 'reasonCode', label: 'Reason code', kind: 'int', width: 120 },
        {
          key: 'declineClass',
          label: 'Decline class',
          kind: 'select',
          width: 160,
          options: [
            { value: 'soft', label: 'Soft (retry)' },
            { value: 'hard', label: 'Hard (no retry)' },
          ],
        },
        { key: 'maxRetries', label: 'Retries', kind: 'int', width: 100 },
        { key: 'retryReasonCode', label: 'Retry reason code', kind: 'optional-int', width: 160 },
        { key: 'retryEvent', label: 'Retry event', kind: 'optional-text' },
        { key: 'suspensionDays', label: 'Suspension days', kind: 'int', width: 140 },
        { key: 'exhaustedEvent', label: 'Event when retries run out', kind: 'optional-text', width: 240 },
        { key: 'refundEvent', label: 'Refund event', kind: 'optional-text' },
        { key: 'fallbackPayType', label: 'Fallback pay type', kind: 'int', width: 160 },
      ]}
      save={(r) => call('admin:save-rejection-code', r)}
      remove={(r) => call('admin:delete-rejection-code', { code: r.code })}
      onChanged={codes.reload}
    />
  );
}
