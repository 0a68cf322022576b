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
  listRejectionCodes,
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
import type { Handlers } from './dispatch';

/** The administration handlers; every change names the operator for its audit row. */
export function createAdminHandlers(ctx: ServiceContext): Pick<Handlers, keyof typeof adminCommands> {
  const now = (): Date => ctx.clock();
  const who = (): number => ctx.operator.id;
  return {
    'admin:settings': () => listSettings(ctx.storage),
    'admin:set-setting': (i) => setSetting(ctx.storage, i, now(), who()),
    'codes:domains': () => listDomains(ctx.storage),
    'codes:add': (i) => addCode(ctx.storage, i, now(), who()),
    'codes:update': (i) => updateCode(ctx.storage, i, now(), who()),
    'codes:retire': (i) => retireCode(ctx.storage, i, now(), who()),
    'codes:delete': (i) => deleteCode(ctx.storage, i, now(), who()),
    'codes:export': (i) => exportReasons(ctx.storage, i.domainId),
    'codes:import': (i) => {
      const src = withUpload(ctx.uploads, i);
      return usingUploads(ctx.uploads, [src.uploaded], () => importReasons(ctx.storage, src, now(), who()));
    },
    'admin:channels': () => listChannels(ctx.storage),
    'admin:save-channel': (i) => saveChannel(ctx.storage, i, now(), who()),
    'admin:pay-types': () => listPayTypes(ctx.storage),
    'admin:save-pay-type': (i) => savePayType(ctx.storage, i, now(), who()),
    'admin:terms': () => listTerms(ctx.storage),
    'admin:save-term': (i) => saveTerm(ctx.storage, i, now(), who()),
    'admin:delete-term': (i) => deleteTerm(ctx.storage, i.code, now(), who()),
    'admin:save-term-default': (i) => saveTermDefault(ctx.storage, i, now(), who()),
    'admin:delete-term-default': (i) => deleteTermDefault(ctx.storage, i.code, now(), who()),
    'admin:mandate-codes': () => listMandateCodes(ctx.storage),
    'admin:save-mandate-code': (i) => saveMandateCode(ctx.storage, i, now(), who()),
    'admin:delete-mandate-code': (i) => deleteMandateCode(ctx.storage, i.code, now(), who()),
    'admin:rejection-codes': () => listRejectionCodes(ctx.storage),
    'admin:save-rejection-code': (i) => saveRejectionCode(ctx.storage, i, now(), who()),
    'admin:delete-rejection-code': (i) => deleteRejectionCode(ctx.storage, i.code, now(), who()),
    'admin:currencies': () => listCurrencies(ctx.storage),
    'admin:save-currency': (i) => saveCurrency(ctx.storage, i, now(), who()),
    'admin:rates': (i) => listRates(ctx.storage, i),
    'admin:save-rate': (i) => saveRate(ctx.storage, i, now(), who()),
    'admin:history': (i) => changeHistory(ctx.storage, i),
    'admin:custom-fields': () => listCustomFields(ctx.storage),
    'admin:save-custom-field': (i) => saveCustomField(ctx.storage, i, now(), who()),
    'admin:delete-custom-field': (i) => deleteCustomField(ctx.storage, i.key, now(), who()),
    'admin:column-sets': () => listColumnSets(ctx.storage),
    'admin:save-columns': (i) => saveColumns(ctx.storage, i, now(), who()),
    'admin:delete-columns': (i) => deleteColumns(ctx.storage, i, now(), who()),
    'admin:export-config': () => exportConfig(ctx.storage, now()),
    'admin:import-config': (i) => importConfig(ctx.storage, i, now(), who()),
    'operators:list': () => listOperators(ctx.storage),
    'operators:add': async ({ password, ...i }) => {
      if (password !== undefined) checkNewPassword(password, i.login);
      const phc = password === undefined ? null : await hashPassword(password);
      return addOperator(ctx.storage, i, now(), who(), phc);
    },
    'operators:grant': (i) => changeRoles(ctx.storage, i, true, now(), who()),
    'operators:revoke': (i) => changeRoles(ctx.storage, i, false, now(), who()),
    'operators:update': (i) => updateOperator(ctx.storage, i, now(), who()),
    'columns:grid': (i) => gridColumns(ctx.storage, who(), i),
    'columns:save-layout': (i) => saveLayout(ctx.storage, who(), i, now()),
    'columns:reset-layout': (i) => resetLayout(ctx.storage, who(), i, now()),
  };
}
