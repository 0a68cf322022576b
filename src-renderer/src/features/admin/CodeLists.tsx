import type {
  MandateRevisionCodeDto,
  PaymentTermDto,
  RejectionCodeDto,
} from '../../../../src-shared/dto/admin';
import { CodeListSection, type CodeField, type CodeListSectionProps } from '../../components/CodeListSection';
import { useApiMutation, useApiQuery } from '../../components/query';

/** What one code list states: everything but the rows, the commands and who may edit. */
type CodeListSpec<T> = Pick<
  CodeListSectionProps<T>,
  'title' | 'prefix' | 'noun' | 'blank' | 'columns' | 'fields' | 'deleteBlocked'
>;

/**
 * A code list keyed by its `code`: the table, dialog and delete button of CodeListSection, saving and deleting
 * through the given commands (a saved change marks every read stale, so the rows reload by themselves).
 */
function CodeList<T extends { code: string }>({
  spec,
  rows,
  canEdit,
  save,
  remove,
}: {
  spec: CodeListSpec<T>;
  rows: readonly T[] | undefined;
  canEdit: boolean;
  save: (row: T) => Promise<unknown>;
  remove: (key: { code: string }) => Promise<unknown>;
}) {
  return (
    <CodeListSection<T>
      {...spec}
      rows={rows ?? null}
      keyField="code"
      canEdit={canEdit}
      save={save}
      remove={(row) => remove({ code: row.code })}
    />
  );
}

/** The code field of a list: up to `maxLength` characters, fixed once saved. */
function codeField<T>(maxLength: number, extra: Partial<CodeField<T>> = {}): CodeField<T> {
  return { key: 'code' as keyof T & string, label: 'Code', width: 120, maxLength, ...extra };
}

/** A whole-number field. */
function intField<T>(key: keyof T & string, label: string, width = 120): CodeField<T> {
  return { key, label, kind: 'int', width };
}

const TERMS: Omit<CodeListSpec<PaymentTermDto>, 'deleteBlocked'> = {
  title: 'Payment terms (V17: code up to 3 uppercase characters)',
  prefix: 'term',
  noun: 'term',
  blank: { code: '', description: '', days: 30 },
  columns: [
    { label: 'Code', value: (t) => t.code, width: 80 },
    { label: 'Description', value: (t) => t.description },
    { label: 'Days', value: (t) => t.days, width: 70 },
  ],
  fields: [
    codeField(3, { width: 90, upper: true }),
    { key: 'description', label: 'Description', width: 280, maxLength: 30 },
    intField('days', 'Days', 90),
  ],
};

/** Payment terms (V17): a term used by a term default cannot be deleted until the default is gone. */
export function TermsList({ canEdit }: { canEdit: boolean }) {
  const terms = useApiQuery('admin:terms', {});
  const save = useApiMutation('admin:save-term');
  const remove = useApiMutation('admin:delete-term');
  const defaults = terms.data?.defaults ?? [];
  return (
    <CodeList
      spec={{
        ...TERMS,
        deleteBlocked: (t) => {
          const usedBy = defaults.find((d) => d.termCode === t.code);
          return usedBy ? `The term of default ${usedBy.code}` : null;
        },
      }}
      rows={terms.data?.terms}
      canEdit={canEdit}
      save={save.run}
      remove={remove.run}
    />
  );
}

/**
 * Mandate revision codes (DOMAIN.md §2.21): what a processor's mandate notice means and the event it raises; a
 * new one starts as an amendment raised as a mandate event.
 */
const MANDATE_CODES: CodeListSpec<MandateRevisionCodeDto> = {
  title: 'Mandate revision codes',
  prefix: 'mandate',
  noun: 'mandate revision code',
  blank: {
    code: '',
    name: '',
    action: 'amend',
    reasonType: 0,
    reasonCode: 0,
    eventType: 'MANDATE',
    eventCode: '',
  },
  columns: [
    { label: 'Code', value: (m) => m.code },
    { label: 'Name', value: (m) => m.name },
    { label: 'Action', value: (m) => m.action },
    { label: 'Event', value: (m) => `${m.eventType}/${m.eventCode}` },
  ],
  fields: [
    codeField(16),
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
    intField('reasonType', 'Reason type'),
    intField('reasonCode', 'Reason code'),
    { key: 'eventType', label: 'Event type' },
    { key: 'eventCode', label: 'Event code' },
  ],
};

export function MandateCodesList({ canEdit }: { canEdit: boolean }) {
  const codes = useApiQuery('admin:mandate-codes', {});
  const save = useApiMutation('admin:save-mandate-code');
  const remove = useApiMutation('admin:delete-mandate-code');
  return (
    <CodeList spec={MANDATE_CODES} rows={codes.data} canEdit={canEdit} save={save.run} remove={remove.run} />
  );
}

/**
 * Recurring payment rejection codes (DOMAIN.md §2.21, §4.25): a soft decline is retried and suspends automated
 * payments for some days; a hard decline is not retried. The service checks the rules. A new one starts as a
 * soft decline retried twice.
 */
const REJECTION_CODES: CodeListSpec<RejectionCodeDto> = {
  title: 'Recurring payment rejection codes',
  prefix: 'rejection',
  noun: 'rejection code',
  blank: {
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
  },
  columns: [
    { label: 'Code', value: (r) => r.code },
    { label: 'Description', value: (r) => r.description },
    { label: 'Class', value: (r) => r.declineClass },
    { label: 'Retries', value: (r) => r.maxRetries },
    { label: 'Suspend days', value: (r) => r.suspensionDays },
    {
      label: 'Events',
      value: (r) => [r.retryEvent, r.exhaustedEvent, r.refundEvent].filter(Boolean).join(', '),
    },
  ],
  fields: [
    codeField(16),
    { key: 'description', label: 'Description', width: 360, maxLength: 60 },
    intField('reasonType', 'Reason type'),
    intField('reasonCode', 'Reason code'),
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
    intField('maxRetries', 'Retries', 100),
    { key: 'retryReasonCode', label: 'Retry reason code', kind: 'optional-int', width: 160 },
    { key: 'retryEvent', label: 'Retry event', kind: 'optional-text' },
    intField('suspensionDays', 'Suspension days', 140),
    { key: 'exhaustedEvent', label: 'Event when retries run out', kind: 'optional-text', width: 240 },
    { key: 'refundEvent', label: 'Refund event', kind: 'optional-text' },
    intField('fallbackPayType', 'Fallback pay type', 160),
  ],
};

export function RejectionCodesList({ canEdit }: { canEdit: boolean }) {
  const codes = useApiQuery('admin:rejection-codes', {});
  const save = useApiMutation('admin:save-rejection-code');
  const remove = useApiMutation('admin:delete-rejection-code');
  return (
    <CodeList
      spec={REJECTION_CODES}
      rows={codes.data}
      canEdit={canEdit}
      save={save.run}
      remove={remove.run}
    />
  );
}
