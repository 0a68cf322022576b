import type { adminCommands } from '../../src-shared/api/commands/admin';
import type { ServiceContext } from '../services/context';
import { usingUploads, withUpload } from '../services/uploads';
import { hashPassword } from '../services/identity/passwords';
import { checkNewPassword } from '../services/identity/sign-in';
import {
  addCode,
  deleteCode,
  exportReasons,
  importReasons,
  listDomains,
  retireCode,
  updateCode,
} from '../services/admin/codes-admin';
import { exportConfig, importConfig } from '../services/admin/config-file';
import {
  deleteColumns,
  deleteCustomField,
  gridColumns,
  listColumnSets,
  listCustomFields,
  resetLayout,
  saveColumns,
  saveCustomField,
  saveLayout,
} from '../services/admin/columns';
import {
  addOperator,
  changeHistory,
  changeRoles,
  listOperators,
  updateOperator,
} from '../services/admin/operators-admin';
import {
  deleteMandateCode,
  deleteRejectionCode,
  deleteTerm,
  deleteTermDefault,
  listChannels,
  listCurrencies,
  listMandateCodes,
  listPayTypes,
  listRates,
  listTerms,
  saveChannel,
  saveCurrency,
  saveMandateCode,
  savePayType,
  saveRate,
  saveRejectionCode,
  saveTerm,
  saveTermDefault,
} from '../services/admin/reference-data';
import { listSettings, setSetting } from '../services/admin/settings-admin';
import { listRejectionCodes } from '../services/rejection-codes';
import type { Handlers } from './dispatch';

/** The administration handlers; every change names the operator for its audit row. */
export function createAdminHandlers(ctx: ServiceContext): Pick<Handlers, keyof typeof adminCommands> {
  const db = ctx.ledger.sqlite;
  const now = (): Date => ctx.clock();
  const who = (): number => ctx.operator.id;
  return {
    'admin:settings': () => listSettings(db),
    'admin:set-setting': (i) => setSetting(db, i, now(), who()),
    'codes:domains': () => listDomains(db),
    'codes:add': (i) => addCode(db, i, now(), who()),
    'codes:update': (i) => updateCode(db, i, now(), who()),
    'codes:retire': (i) => retireCode(db, i, now(), who()),
    'codes:delete': (i) => deleteCode(db, i, now(), who()),
    'codes:export': (i) => exportReasons(db, i.domainId),
    'codes:import': (i) => {
      const src = withUpload(ctx.uploads, i);
      return usingUploads(ctx.uploads, [src.uploaded], () => importReasons(db, src, now(), who()));
    },
    'admin:channels': () => listChannels(db),
    'admin:save-channel': (i) => saveChannel(db, i, now(), who()),
    'admin:pay-types': () => listPayTypes(db),
    'admin:save-pay-type': (i) => savePayType(db, i, now(), who()),
    'admin:terms': () => listTerms(db),
    'admin:save-term': (i) => saveTerm(db, i, now(), who()),
    'admin:delete-term': (i) => deleteTerm(db, i.code, now(), who()),
    'admin:save-term-default': (i) => saveTermDefault(db, i, now(), who()),
    'admin:delete-term-default': (i) => deleteTermDefault(db, i.code, now(), who()),
    'admin:mandate-codes': () => listMandateCodes(db),
    'admin:save-mandate-code': (i) => saveMandateCode(db, i, now(), who()),
    'admin:delete-mandate-code': (i) => deleteMandateCode(db, i.code, now(), who()),
    'admin:rejection-codes': () => listRejectionCodes(db),
    'admin:save-rejection-code': (i) => saveRejectionCode(db, i, now(), who()),
    'admin:delete-rejection-code': (i) => deleteRejectionCode(db, i.code, now(), who()),
    'admin:currencies': () => listCurrencies(db),
    'admin:save-currency': (i) => saveCurrency(db, i, now(), who()),
    'admin:rates': (i) => listRates(db, i),
    'admin:save-rate': (i) => saveRate(db, i, now(), who()),
    'admin:history': (i) => changeHistory(db, i),
    'admin:custom-fields': () => listCustomFields(db),
    'admin:save-custom-field': (i) => saveCustomField(db, i, now(), who()),
    'admin:delete-custom-field': (i) => deleteCustomField(db, i.key, now(), who()),
    'admin:column-sets': () => listColumnSets(db),
    'admin:save-columns': (i) => saveColumns(db, i, now(), who()),
    'admin:delete-columns': (i) => deleteColumns(db, i, now(), who()),
    'admin:export-config': () => exportConfig(db, now()),
    'admin:import-config': (i) => importConfig(db, i, now(), who()),
    'operators:list': () => listOperators(db),
    'operators:add': async ({ password, ...i }) => {
      if (password !== undefined) checkNewPassword(password, i.login);
      const phc = password === undefined ? null : await hashPassword(password);
      return addOperator(db, i, now(), who(), phc);
    },
    'operators:grant': (i) => changeRoles(db, i, true, now(), who()),
    'operators:revoke': (i) => changeRoles(db, i, false, now(), who()),
    'operators:update': (i) => updateOperator(db, i, now(), who()),
    'columns:grid': (i) => gridColumns(db, who(), i),
    'columns:save-layout': (i) => saveLayout(db, who(), i, now()),
    'columns:reset-layout': (i) => resetLayout(db, who(), i, now()),
  };
}
