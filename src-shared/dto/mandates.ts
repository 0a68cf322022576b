/** Creditor schemes: who collects by SEPA, ACH or BACS. */
export type CreditorScheme = 'sepa' | 'ach' | 'bacs';

/** Mandate schemes. */
export type MandateScheme = 'sepa_core' | 'sepa_b2b' | 'bacs' | 'ach';

/** Mandate statuses (DOMAIN.md §3.14): cancelled and expired mandates are never reactivated. */
export type MandateStatus = 'pending' | 'active' | 'cancelled' | 'expired';

/** A creditor (DOMAIN.md §2.18 /config/creditor): a SEPA creditor, an ACH originator or a BACS originator. */
export type CreditorDto = {
  id: number;
  code: string;
  scheme: CreditorScheme;
  name: string;
  identifier: string;
  currency: string;
  iban: string | null;
  bic: string | null;
  routingNo: string | null;
  accountNo: string | null;
  destinationRouting: string | null;
  destinationName: string | null;
  originId: string | null;
  originName: string | null;
  painVersion: 'pain.008.001.08' | 'pain.008.001.02';
  isDefault: boolean;
  active: boolean;
  mandates: number;
  createdAt: string;
  updatedAt: string;
};

/**
 * A SEPA amendment not yet presented to the bank (FORMATS.md §1.2 AmdmntInfDtls): the ORIGINAL identifiers
 * the bank knows; the next collection carries them and clears them.
 */
export type PendingAmendmentDto = {
  originalReference?: string;
  originalIban?: string;
  smnda?: boolean;
  originalCreditorId?: string;
  originalCreditorName?: string;
};

/** A mandate (DOMAIN.md §2.18, §4.17, §4.24): SEPA Core/B2B, BACS instruction or ACH authorisation. */
export type MandateDto = {
  id: number;
  accountNo: string;
  accountName: string;
  accountCurrency: string;
  billUnitNo: string | null;
  creditorCode: string;
  scheme: MandateScheme;
  reference: string;
  type: 'recurrent' | 'oneoff';
  status: MandateStatus;
  signedOn: string;
  debtorName: string;
  iban: string | null;
  bic: string | null;
  sortCode: string | null;
  routingNo: string | null;
  bankAccountNo: string | null;
  accountType: 'checking' | 'savings' | null;
  secCode: 'PPD' | 'CCD' | 'WEB' | 'TEL' | null;
  pendingAmendment: PendingAmendmentDto | null;
  firstCollectedOn: string | null;
  lastCollectedOn: string | null;
  collections: number;
  cancelledOn: string | null;
  cancelReason: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
};

/** One change in a mandate's history, with its before/after data. */
export type MandateEventDto = {
  id: number;
  at: string;
  kind: 'created' | 'amended' | 'cancelled' | 'expired' | 'collected' | 'revision' | 'change-notice';
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  source: string;
  code: string | null;
  auddisExtractId: number | null;
  operator: string | null;
};

/** A mandate with its history, newest event last. */
export type MandateDetailDto = MandateDto & { events: MandateEventDto[] };

/** A page of mandates. */
export type MandatePageDto = { rows: MandateDto[]; total: number };

/** What `mandate expire` did. */
export type MandateExpireDto = { asOf: string; expired: number; references: string[] };

/** One row of a mandate revision file and what it does (or would do, in a preview). */
export type MandateRevisionRowDto = {
  line: number;
  reference: string;
  creditor: string;
  code: string;
  action: 'amend' | 'cancel';
  mandateId: number;
  accountNo: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  event: string;
};

/** A problem of a mandate revision file: where (line, column) and why. Any problem means nothing applied. */
export type MandateFileProblemDto = { line: number; column: string; reason: string };

/** The result of `mandate import`: applied rows (0 in a preview or when any row is bad) and problems. */
export type MandateImportDto = {
  preview: boolean;
  sha256: string;
  fileId: number | null;
  applied: number;
  rows: MandateRevisionRowDto[];
  problems: MandateFileProblemDto[];
};

/** One line of an AUDDIS extract. */
export type AuddisLineDto = {
  transactionCode: '0N' | '0C';
  sortCode: string;
  accountNo: string;
  accountName: string;
  reference: string;
  serviceUserNumber: string;
  mandateId: number;
};

/** The result of `mandate auddis`: the extract (null when nothing was waiting) and its content. */
export type AuddisExtractDto = {
  extractId: number | null;
  count: number;
  activated: number;
  path: string | null;
  sha256: string | null;
  lines: AuddisLineDto[];
  content: string;
};
