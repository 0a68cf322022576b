import type { CommandInput } from '../../../../src-shared/api/contract';
import type { BatchEntryDto } from '../../../../src-shared/dto/batches';
import { contractAmountText, editableAmountText } from '../../components/amount';

/** A built-in column a clerk keys into; the same names are the service's problemColumn values. */
export type StandardEditableField =
  'accountNo' | 'billNo' | 'amount' | 'paymentDate' | 'checkNo' | 'payerName' | 'reference' | 'paymentRef';

/** A keyed column: a built-in field, or an admin-defined field stored in the entry's custom values. */
export type EditableField = StandardEditableField | `custom:${string}`;

/** The custom value key of a field, or null for a built-in field. */
function customKey(field: EditableField): string | null {
  return field.startsWith('custom:') ? field.slice('custom:'.length) : null;
}

/** One entry as batches:save-entries takes it. */
export type EntryInput = CommandInput<'batches:save-entries'>['entries'][number];

/** True when the column id names a keyed field. */
export function isEditableField(colId: string): colId is EditableField {
  if (colId.startsWith('custom:')) return colId.length > 'custom:'.length;
  return (
    [
      'accountNo',
      'billNo',
      'amount',
      'paymentDate',
      'checkNo',
      'payerName',
      'reference',
      'paymentRef',
    ] as readonly string[]
  ).includes(colId);
}

/**
 * The text of a field as the clerk edits it. With the batch's exponent an amount is shown as typed when that reads
 * right in the user's locale, else written in the locale (what fieldPatch reads back).
 */
export function fieldText(
  entry: BatchEntryDto,
  field: EditableField,
  amount?: { exponent: number; locale?: string },
): string {
  const key = customKey(field);
  if (key !== null) return entry.custom[key] ?? '';
  switch (field) {
    case 'amount':
      return amount
        ? editableAmountText(entry.amountText, entry.amountMinor, amount.exponent, amount.locale)
        : (entry.amountText ?? '');
    case 'paymentRef':
      return entry.paymentRef === null ? '' : String(entry.paymentRef);
    default:
      return entry[field as Exclude<StandardEditableField, 'amount' | 'paymentRef'>] ?? '';
  }
}

/** Why a typed payment ID cannot be saved, or null when it can. */
export function paymentRefProblem(text: string): string | null {
  const t = text.trim();
  if (t === '') return null;
  if (!/^\d{1,15}$/.test(t) || Number(t) < 1) return `"${t}" is not a payment ID (a whole number)`;
  return null;
}

/**
 * The save-entries input that sets one field of an entry to the typed text (blank clears it). With the batch's
 * exponent, an amount typed in the user's locale goes over as the contract's plain decimal.
 */
export function fieldPatch(
  id: number | undefined,
  field: EditableField,
  text: string,
  amount?: { exponent: number; locale?: string },
): EntryInput {
  const t =
    field === 'amount' && amount && text.trim() !== ''
      ? contractAmountText(text, amount.exponent, amount.locale)
      : text.trim();
  const base: EntryInput = id === undefined ? {} : { id };
  const key = customKey(field);
  if (key !== null) return { ...base, custom: { [key]: t } };
  if (field === 'paymentRef') return { ...base, paymentRef: t === '' ? null : Number(t) };
  return { ...base, [field]: t === '' ? null : t };
}

/** The entry as it looks right after the edit, before the service answers (shown meanwhile). */
export function applyFieldLocally(entry: BatchEntryDto, field: EditableField, text: string): BatchEntryDto {
  const t = text.trim();
  const key = customKey(field);
  if (key !== null) return { ...entry, custom: { ...entry.custom, [key]: t } };
  switch (field) {
    case 'amount':
      return { ...entry, amountText: t === '' ? null : t, amountMinor: null };
    case 'paymentRef':
      return { ...entry, paymentRef: t === '' ? null : Number(t) };
    default:
      return { ...entry, [field]: t === '' ? null : t };
  }
}

/** True when nothing has been keyed into the entry yet. */
export function isBlankEntry(entry: BatchEntryDto): boolean {
  return (
    entry.accountNo === null &&
    entry.billNo === null &&
    entry.amountText === null &&
    entry.paymentDate === null &&
    entry.checkNo === null &&
    entry.payerName === null &&
    entry.reference === null &&
    entry.paymentRef === null &&
    Object.values(entry.custom).every((v) => v === '')
  );
}

/** The service's sort keys, by grid column id. */
const SORT_KEYS: Readonly<Record<string, CommandInput<'batches:entries'>['sortBy']>> = {
  seq: 'seq',
  accountNo: 'accountNo',
  billNo: 'billNo',
  amount: 'amountMinor',
  paymentDate: 'paymentDate',
  checkNo: 'checkNo',
  payerName: 'payerName',
  reference: 'reference',
  status: 'status',
  reasonCode: 'reasonCode',
};

/** The service sort key of a grid column, or undefined when the service cannot sort by it. */
export function sortKeyOf(colId: string): CommandInput<'batches:entries'>['sortBy'] | undefined {
  return SORT_KEYS[colId];
}

/** One undoable cell edit: the entry, the field and the text it held before. */
export type UndoStep = { entryId: number; field: EditableField; oldText: string };

/** A small bounded stack of cell edits (the newest is undone first). */
export class UndoStack {
  private readonly steps: UndoStep[] = [];

  constructor(private readonly limit = 50) {}

  /** Remembers an edit; the oldest falls off past the limit. */
  push(step: UndoStep): void {
    this.steps.push(step);
    if (this.steps.length > this.limit) this.steps.shift();
  }

  /** Takes the newest edit off the stack. */
  pop(): UndoStep | undefined {
    return this.steps.pop();
  }

  /** Forgets the edits of entries that no longer exist (deleted or moved away). */
  forget(entryIds: ReadonlySet<number>): void {
    for (let i = this.steps.length - 1; i >= 0; i--) {
      if (entryIds.has(this.steps[i]!.entryId)) this.steps.splice(i, 1);
    }
  }

  /** Forgets everything. */
  clear(): void {
    this.steps.length = 0;
  }

  /** How many edits can be undone. */
  get size(): number {
    return this.steps.length;
  }
}
