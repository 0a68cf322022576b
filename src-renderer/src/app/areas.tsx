import type { ReactElement } from 'react';
import AdminPanelSettingsIcon from '@mui/icons-material/AdminPanelSettings';
import AssessmentIcon from '@mui/icons-material/Assessment';
import HowToRegIcon from '@mui/icons-material/HowToReg';
import CreditScoreIcon from '@mui/icons-material/CreditScore';
import PendingActionsIcon from '@mui/icons-material/PendingActions';
import PeopleIcon from '@mui/icons-material/People';
import ReceiptLongIcon from '@mui/icons-material/ReceiptLong';

/** The work areas of the app, in navigation order. */
export const AREA_IDS = [
  'batches',
  'suspense',
  'accounts',
  'collections',
  'reports',
  'admin',
  'approvals',
] as const;

/** One work area. */
export type AreaId = (typeof AREA_IDS)[number];

/** What the navigation shows for an area and, for areas not built yet, what they will hold. */
export type Area = {
  id: AreaId;
  label: string;
  icon: ReactElement;
  ready: boolean;
  planned: string;
  plannedItems: string[];
};

/** Navigation entries; `planned` texts describe areas honestly until they are built. */
export const AREAS: readonly Area[] = [
  {
    id: 'batches',
    label: 'Batches',
    icon: <ReceiptLongIcon />,
    ready: true,
    planned:
      'Payment batches: bring in payments from bank and lockbox files or key them by hand, then post them.',
    plannedItems: [
      'Import lockbox, BAI2, camt and CSV payment files into batches',
      'Key payments in a keyboard-first batch grid with running totals',
      'Validate, post and reverse batches; rows that fail go to an exception batch',
    ],
  },
  {
    id: 'suspense',
    label: 'Suspense',
    icon: <PendingActionsIcon />,
    ready: true,
    planned: '',
    plannedItems: [],
  },
  {
    id: 'accounts',
    label: 'Accounts',
    icon: <PeopleIcon />,
    ready: true,
    planned: '',
    plannedItems: [],
  },
  {
    id: 'collections',
    label: 'Collections',
    icon: <CreditScoreIcon />,
    ready: true,
    planned: 'Collections: charge customers who pay by card or direct debit through the payment processors.',
    plannedItems: [
      'Collect due amounts from card and direct-debit accounts in one run',
      'Follow declines, retries and processor outages',
      'Resolve interrupted runs from their checkpoints',
    ],
  },
  {
    id: 'reports',
    label: 'Reports',
    icon: <AssessmentIcon />,
    ready: true,
    planned: '',
    plannedItems: [],
  },
  {
    id: 'admin',
    label: 'Admin',
    icon: <AdminPanelSettingsIcon />,
    ready: true,
    planned: 'Administration: the people, codes and connections Paydesk works with.',
    plannedItems: [
      'Operators and their roles',
      'Reason codes, payment channels and pay types',
      'Processor and merchant settings, saved grid layouts',
    ],
  },
  {
    id: 'approvals',
    label: 'Approvals',
    icon: <HowToRegIcon />,
    ready: true,
    planned: '',
    plannedItems: [],
  },
];

/** True when the text names an area. */
export function isAreaId(text: string): text is AreaId {
  return (AREA_IDS as readonly string[]).includes(text);
}
