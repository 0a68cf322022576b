import type Database from 'better-sqlite3';
import { activeCreditorsQuery, type ActiveCreditorRow } from '../../../db/repos/creditors';
import {
  ddCreditAccountsQuery,
  ddDueBillsQuery,
  ddMandatedElsewhereQuery,
  ddMandatesQuery,
  type DdBillRecord,
  type DdCreditAccountRecord,
  type DdMandateRecord,
} from '../../../db/repos/dd-runs';
import type { Tx } from '../../../db/storage/port';
import { all, DRIVER, stepsIn, stepsOnDriver, type Steps } from '../../../db/storage/steps';
import type { DdFileFormat, DdScheme } from '../../../src-shared/dto/directdebit';
import { epcTextProblem, EPC_NAME_MAX } from '../../bankfiles/iso20022/epc-text';
import { addDays, isoDate, isRealIsoDate } from '../../domain/dates';
import {
  bicProblem,
  ibanProblem,
  isDormant,
  mandateBlock,
  routingNumberProblem,
  sequenceType,
  type SequenceType,
} from '../../domain/mandate-rules';
import { accountRefundableSteps } from '../batches/refunds';
import { invalidFields, notFound } from '../../ledger/errors';
import { exponentStep } from '../../ledger/rates';
import { NACHA_MAX_ENTRY_MINOR } from '../../bankfiles/nacha/write';
import { settingStep } from '../../ledger/settings';
import { collectionDate, minimumMinor } from '../processors/collect';
import type { MandateAmendment } from '../../bankfiles/iso20022/write-pain008';

/** Options of a direct-debit run (`paydesk dd run`). */
export type DdRunOptions = {
  scheme: DdScheme;
  collectionDate: string;
  kind?: 'debit' | 'credit' | undefined;
  creditor?: string | undefined;
};

/** A creditor as files need it. */
export type CreditorRow = ActiveCreditorRow;

/** The file header as written (stored with the file's first item, so it regenerates after the creditor changes). */
export type FileHeader =
  | { scheme: 'sepa'; name: string; iban: string; bic: string | null; creditorId: string }
  | {
      scheme: 'ach';
      companyName: string;
      companyId: string;
      odfiRouting: string;
      destinationRouting: string;
      destinationName: string;
      originId: string;
      originName: string;
      fileIdModifier: string;
      entryDescription: string;
    };

/** The mandate and party data one item was written with (bank_file_items.mandate_snapshot_json). */
export type ItemSnapshot = {
  /** sepa_core | sepa_b2b | ach, or 'credit' for a SEPA credit transfer out. */
  scheme: 'sepa_core' | 'sepa_b2b' | 'ach' | 'credit';
  reference: string | null;
  signedOn: string | null;
  name: string;
  iban: string | null;
  bic: string | null;
  routingNo: string | null;
  accountNo: string | null;
  accountType: 'checking' | 'savings' | null;
  secCode: 'PPD' | 'CCD' | 'WEB' | 'TEL' | null;
  amendment: MandateAmendment | null;
  remittance: string | null;
  /** The account number the item is for (NACHA individual id). */
  individualId: string;
  /** Present on the first item of a file only. */
  header?: FileHeader;
};

/** One transaction a run writes: a bill under a mandate (debit) or a credit balance paid back (credit). */
export type DdItem = {
  billId: number | null;
  billNo: string | null;
  accountId: number;
  accountNo: string;
  amountMinor: number;
  currency: string;
  payType: number;
  mandateId: number;
  seqType: SequenceType | null;
  snapshot: ItemSnapshot;
};

/** One file a run writes: per creditor, scheme and collection date. */
export type DdGroup = {
  creditor: CreditorRow;
  format: DdFileFormat;
  currency: string;
  exponent: number;
  items: DdItem[];
};

/** Exactly what a run would write, computed without writing anything. */
export type DdSelection = {
  kind: 'debit' | 'credit';
  scheme: DdScheme;
  collectionDate: string;
  groups: DdGroup[];
  skipped: Record<string, number>;
  /** Recurrent mandates found dormant for 36 months: the run marks them expired. */
  expire: number[];
};

type MandateRow = DdMandateRecord;

const MANDATE_SCHEMES: Record<DdScheme, readonly string[]> = {
  sepa: ['sepa_core', 'sepa_b2b'],
  ach: ['ach'],
};

const SEC_ORDER = ['PPD', 'CCD', 'WEB', 'TEL'] as const;

function* creditorsSteps(on: Pick<Tx, 'dialect'>, scheme: DdScheme, code?: string): Steps<CreditorRow[]> {
  const rows = yield* all<CreditorRow>(activeCreditorsQuery(on, scheme, code));
  if (code !== undefined && rows.length === 0) throw notFound(`${scheme} creditor`, code);
  return rows;
}

/** The creditors of a scheme (one by code with --creditor); an unknown code is refused. */
export function loadCreditors(db: Database.Database, scheme: DdScheme, code?: string): CreditorRow[] {
  return stepsOnDriver(db, creditorsSteps(DRIVER, scheme, code));
}

function* collectionDateSteps(date: string, now: Date): Steps<void> {
  if (!isRealIsoDate(date))
    throw invalidFields(`collectionDate: ${date} is not a date (YYYY-MM-DD)`, [
      { path: 'collectionDate', message: 'a date YYYY-MM-DD' },
    ]);
  const today = isoDate(now);
  const lead = Number(yield* settingStep('dd.leadDays'));
  const earliest = addDays(today, lead);
  if (date < earliest)
    throw invalidFields(
      `collectionDate: ${date} is ${date < today ? 'in the past' : 'too early'}; the earliest collection date is ${earliest} (today ${today} + dd.leadDays ${lead})`,
      [{ path: 'collectionDate', message: `on or after ${earliest}` }],
    );
}

/** Refuses a collection date that is not a date, is in the past or before today + `dd.leadDays`. */
export function checkCollectionDate(db: Database.Database, date: string, now: Date): void {
  stepsOnDriver(db, collectionDateSteps(date, now));
}

function* mandatesSteps(on: Pick<Tx, 'dialect'>, scheme: DdScheme): Steps<Map<number, MandateRow[]>> {
  const rows = yield* all<MandateRow>(ddMandatesQuery(on, MANDATE_SCHEMES[scheme]));
  const by = new Map<number, MandateRow[]>();
  for (const m of rows) {
    const list = by.get(m.accountId);
    if (list) list.push(m);
    else by.set(m.accountId, [m]);
  }
  return by;
}

/**
 * The mandate a bill is collected under: an active one for its bill unit, then an active one for the whole
 * account; failing those the unit's or account's latest other mandate, so the skip says why (cancelled ...).
 */
function mandateFor(list: readonly MandateRow[] | undefined, billUnitId: number): MandateRow | undefined {
  if (!list) return undefined;
  const fits = (m: MandateRow): boolean => m.billUnitId === billUnitId || m.billUnitId === null;
  return (
    list.find((m) => m.status === 'active' && m.billUnitId === billUnitId) ??
    list.find((m) => m.status === 'active' && m.billUnitId === null) ??
    [...list].reverse().find(fits)
  );
}

/** Why a mandate's bank details cannot go into a file, or null. */
function bankProblem(m: MandateRow): string | null {
  if (m.scheme === 'ach') {
    if (!m.routingNo || routingNumberProblem(m.routingNo)) return 'invalid routing number';
    if (!m.accountNo || !/^[A-Za-z0-9 -]{1,17}$/.test(m.accountNo)) return 'invalid bank account number';
    return null;
  }
  if (!m.iban || ibanProblem(m.iban).problem) return 'invalid IBAN';
  if (m.bic && bicProblem(m.bic)) return 'invalid BIC';
  if (epcTextProblem('debtor name', m.debtorName, 10_000)) return 'debtor name outside the EPC character set';
  return null;
}

function snapshotOf(
  m: MandateRow,
  accountNo: string,
  remittance: string | null,
  credit: boolean,
): ItemSnapshot {
  const amendment =
    !credit && m.pendingAmendmentJson ? (JSON.parse(m.pendingAmendmentJson) as MandateAmendment) : null;
  return {
    scheme: credit && m.scheme !== 'ach' ? 'credit' : m.scheme === 'bacs' ? 'sepa_core' : m.scheme,
    reference: credit ? null : m.reference,
    signedOn: credit ? null : m.signedOn,
    name: m.debtorName,
    iban: m.iban ? ibanProblem(m.iban).iban : null,
    bic: m.bic ? m.bic.replace(/\s+/g, '').toUpperCase() : null,
    routingNo: m.routingNo,
    accountNo: m.accountNo,
    accountType: m.accountType,
    secCode: m.secCode,
    amendment,
    remittance,
    individualId: accountNo,
  };
}

function formatOf(scheme: DdScheme, kind: 'debit' | 'credit', c: CreditorRow): DdFileFormat {
  if (scheme === 'ach') return 'nacha';
  return kind === 'credit' ? 'pain.001.001.09' : c.painVersion;
}

/** Why a creditor cannot write files, or null. */
function creditorProblem(c: CreditorRow, scheme: DdScheme): string | null {
  if (scheme === 'sepa') return c.iban ? null : `creditor ${c.code} has no IBAN`;
  if (!c.routingNo || !c.destinationRouting) return `creditor ${c.code} has no ODFI or destination routing`;
  return null;
}

/**
 * The largest amount one transaction of the scheme's file can carry: a NACHA entry's 10-digit amount field,
 * the EPC's 999,999,999.99 for SEPA. A larger bill is skipped with its reason; it must not sink the run.
 */
const FILE_LIMIT: Record<DdScheme, { minor: number; text: string }> = {
  ach: { minor: NACHA_MAX_ENTRY_MINOR, text: '99,999,999.99' },
  sepa: { minor: 99_999_999_999, text: '999,999,999.99' },
};

/**
 * Accounts with a live mandate of another scheme: the other scheme's run collects them, so this run passes
 * them by without counting them as "no mandate" (a SEPA run is not short of the ACH accounts' mandates).
 */
function* mandatedElsewhere(on: Pick<Tx, 'dialect'>, scheme: DdScheme): Steps<Set<number>> {
  const rows = yield* all<{ id: number }>(ddMandatedElsewhereQuery(on, MANDATE_SCHEMES[scheme]));
  return new Set(rows.map((r) => r.id));
}

/**
 * The selection of a direct-debit run (DOMAIN.md §4.17): open, due bills (collect's date policy, minimum
 * amount, suspended accounts) of bill units paying by direct debit or SEPA, under an active mandate of the
 * scheme whose creditor collects in the bill's currency; bills already in a live file, mandates that cannot
 * collect (dormant ones are marked for expiry) and bills whose pre-notification period (bill date +
 * `dd.preNotificationDays`) ends after the collection date are skipped and counted. Credit runs select
 * accounts paying by direct debit with a credit balance they can be paid back.
 */
export function* selectSteps(on: Pick<Tx, 'dialect'>, now: Date, o: DdRunOptions): Steps<DdSelection> {
  yield* collectionDateSteps(o.collectionDate, now);
  const kind = o.kind ?? 'debit';
  const creditors = yield* creditorsSteps(on, o.scheme, o.creditor);
  const byId = new Map(creditors.map((c) => [c.id, c]));
  const mandates = yield* mandatesSteps(on, o.scheme);
  const skipped: Record<string, number> = {};
  const skip = (why: string): void => {
    skipped[why] = (skipped[why] ?? 0) + 1;
  };
  const expire = new Set<number>();
  const groups = new Map<number, DdGroup>();
  // A group's exponent is read once the selection is made (a generator's callback cannot yield).
  const groupOf = (c: CreditorRow): DdGroup => {
    let g = groups.get(c.id);
    if (!g)
      groups.set(
        c.id,
        (g = {
          creditor: c,
          format: formatOf(o.scheme, kind, c),
          currency: c.currency,
          exponent: 0,
          items: [],
        }),
      );
    return g;
  };
  const usable = (m: MandateRow): CreditorRow | null => {
    const c = byId.get(m.creditorId);
    if (!c) return null;
    const block = mandateBlock(m, o.collectionDate);
    if (block) {
      if (m.status === 'active' && m.type === 'recurrent' && isDormant(m, o.collectionDate)) {
        expire.add(m.id);
        skip('mandate expired (unused for 36 months)');
      } else skip(block);
      return null;
    }
    const cp = creditorProblem(c, o.scheme);
    if (cp) {
      skip(cp);
      return null;
    }
    const bp = bankProblem(m);
    if (bp) {
      skip(bp);
      return null;
    }
    return c;
  };
  if (kind === 'debit') yield* selectDebits(on, now, o, mandates, usable, groupOf, skip);
  else yield* selectCredits(on, mandates, usable, groupOf, skip, o);
  const out = [...groups.values()].filter((g) => g.items.length > 0);
  for (const g of out) {
    g.exponent = yield* exponentStep(g.currency);
    // NACHA: one batch per SEC code, entries in file order; order the items so batches are contiguous.
    if (o.scheme === 'ach') {
      const rank = (s: ItemSnapshot): number => SEC_ORDER.indexOf(s.secCode ?? 'PPD');
      g.items.sort((a, b) => rank(a.snapshot) - rank(b.snapshot));
    }
  }
  return {
    kind,
    scheme: o.scheme,
    collectionDate: o.collectionDate,
    groups: out.sort((a, b) => a.creditor.code.localeCompare(b.creditor.code)),
    skipped,
    expire: [...expire].sort((a, b) => a - b),
  };
}

/** selectSteps through the driver. */
export function selectDirectDebit(db: Database.Database, now: Date, o: DdRunOptions): DdSelection {
  return stepsOnDriver(db, selectSteps(DRIVER, now, o));
}

/** selectSteps in a port transaction. */
export function selectDirectDebitIn(tx: Tx, now: Date, o: DdRunOptions): Promise<DdSelection> {
  return stepsIn(tx, selectSteps(tx, now, o));
}

type Bill = DdBillRecord;

function* selectDebits(
  on: Pick<Tx, 'dialect'>,
  now: Date,
  o: DdRunOptions,
  mandates: Map<number, MandateRow[]>,
  usable: (m: MandateRow) => CreditorRow | null,
  groupOf: (c: CreditorRow) => DdGroup,
  skip: (why: string) => void,
): Steps<void> {
  const today = isoDate(now);
  const policy = String(yield* settingStep('collect.datePolicy'));
  const minimumText = String(yield* settingStep('collect.minimumAmount'));
  const notice = Number(yield* settingStep('dd.preNotificationDays'));
  const bills = yield* all<Bill>(ddDueBillsQuery());
  const minimum = new Map<string, number>();
  // A one-off mandate collects once, and the first collection of a series is the only FRST: a mandate's
  // history as it is before this run decides every bill it collects in it.
  const usedInRun = new Map<number, number>();
  const elsewhere = yield* mandatedElsewhere(on, o.scheme);
  for (const b of bills) {
    if (collectionDate(b.datePolicy ?? policy, b.billDate, b.dueDate) > o.collectionDate) continue;
    const m = mandateFor(mandates.get(b.accountId), b.billUnitId);
    if (!m) {
      if (!elsewhere.has(b.accountId)) skip('no mandate');
      continue;
    }
    if (b.live === 1) {
      skip('already in a live file');
      continue;
    }
    let min = minimum.get(b.currency);
    if (min === undefined)
      minimum.set(b.currency, (min = minimumMinor(minimumText, yield* exponentStep(b.currency))));
    if (b.amountMinor < min) {
      skip('below minimum amount');
      continue;
    }
    if (b.amountMinor > FILE_LIMIT[o.scheme].minor) {
      skip(`amount above the file limit (${FILE_LIMIT[o.scheme].text})`);
      continue;
    }
    if (b.suspendedUntil && b.suspendedUntil > today) {
      skip('account suspended');
      continue;
    }
    if (addDays(b.billDate, notice) > o.collectionDate) {
      skip('pre-notification period not met');
      continue;
    }
    const c = usable(m);
    if (!c) continue;
    if (c.currency !== b.currency) {
      skip('creditor currency differs from the bill');
      continue;
    }
    const used = usedInRun.get(m.id) ?? 0;
    if (m.type === 'oneoff' && used > 0) {
      skip('one-off mandate already used');
      continue;
    }
    usedInRun.set(m.id, used + 1);
    groupOf(c).items.push({
      billId: b.billId,
      billNo: b.billNo,
      accountId: b.accountId,
      accountNo: b.accountNo,
      amountMinor: b.amountMinor,
      currency: b.currency,
      payType: b.payType,
      mandateId: m.id,
      seqType: m.scheme === 'ach' ? null : sequenceType(m),
      snapshot: snapshotOf(m, b.accountNo, `Bill ${b.billNo}`, false),
    });
  }
}

function* selectCredits(
  on: Pick<Tx, 'dialect'>,
  mandates: Map<number, MandateRow[]>,
  usable: (m: MandateRow) => CreditorRow | null,
  groupOf: (c: CreditorRow) => DdGroup,
  skip: (why: string) => void,
  o: DdRunOptions,
): Steps<void> {
  const accounts = yield* all<DdCreditAccountRecord>(ddCreditAccountsQuery());
  const elsewhere = yield* mandatedElsewhere(on, o.scheme);
  for (const a of accounts) {
    if (a.payType === null) continue;
    const m = mandates.get(a.accountId)?.find((x) => x.status === 'active');
    if (!m) {
      if (!elsewhere.has(a.accountId)) skip('no mandate');
      continue;
    }
    if (a.live === 1) {
      skip('already in a live file');
      continue;
    }
    // A credit out needs the bank details, not a collectable mandate: only cancelled/expired ones are refused.
    const c = loadCreditorFor(m, o, usable);
    if (!c) continue;
    if (c.currency !== a.currency) {
      skip('creditor currency differs from the account');
      continue;
    }
    const refundable = yield* accountRefundableSteps(a.accountId);
    const amountMinor = Math.min(a.creditMinor, refundable);
    if (amountMinor <= 0) {
      skip('no refundable credit');
      continue;
    }
    if (amountMinor > FILE_LIMIT[o.scheme].minor) {
      skip(`amount above the file limit (${FILE_LIMIT[o.scheme].text})`);
      continue;
    }
    if (o.scheme === 'sepa' && epcTextProblem('name', m.debtorName, EPC_NAME_MAX * 10)) {
      skip('debtor name outside the EPC character set');
      continue;
    }
    groupOf(c).items.push({
      billId: null,
      billNo: null,
      accountId: a.accountId,
      accountNo: a.accountNo,
      amountMinor,
      currency: a.currency,
      payType: a.payType,
      mandateId: m.id,
      seqType: null,
      snapshot: snapshotOf(m, a.accountNo, `Refund of credit balance ${a.accountNo}`, true),
    });
  }
}

/** The creditor of a mandate for a credit out: its bank details must be writable; dormancy does not matter. */
function loadCreditorFor(
  m: MandateRow,
  o: DdRunOptions,
  usable: (m: MandateRow) => CreditorRow | null,
): CreditorRow | null {
  // Dormancy and sequence rules are about collecting; paying money back only needs a live mandate's details.
  return usable({ ...m, type: 'oneoff', collections: 0, lastCollectedOn: null, signedOn: o.collectionDate });
}
