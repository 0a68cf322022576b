import type { AdminCommandName } from '../../src-shared/api/admin-contract';
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
export function createAdminHandlers(ctx: ServiceContext): Pick<Handlers, AdminCommandName> {
  const db = ctx.ledger.sqlite;
  const now = (): Date => ctx.clock();
  const who = (): number => ctx.operator.id;
  /** Tells open screens that configuration changed, then passes the value through. */
  const changed = <T>(value: T): T => {
    ctx.emit('ledger:changed', { what: 'config' });
    return value;
  };
  return {
    'admin:settings': () => listSettings(db),
    'admin:set-setting': (i) => changed(setSetting(db, i, now(), who())),
    'codes:domains': () => listDomains(db),
    'codes:add': (i) => changed(addCode(db, i, now(), who())),
    'codes:update': (i) => changed(updateCode(db, i, now(), who())),
    'codes:retire': (i) => changed(retireCode(db, i, now(), who())),
    'codes:delete': (i) => changed(deleteCode(db, i, now(), who())),
    'codes:export': (i) => exportReasons(db, i.domainId),
    'codes:import': (i) => {
      const src = withUpload(ctx.uploads, i);
      return usingUploads(ctx.uploads, [src.uploaded], () => changed(importReasons(db, src, now(), who())));
    },
    'admin:channels': () => listChannels(db),
    'admin:save-channel': (i) => changed(saveChannel(db, i, now(), who())),
    'admin:pay-types': () => listPayTypes(db),
    'admin:save-pay-type': (i) => changed(savePayType(db, i, now(), who())),
    'admin:terms': () => listTerms(db),
    'admin:save-term': (i) => changed(saveTerm(db, i, now(), who())),
    'admin:delete-term': (i) => changed(deleteTerm(db, i.code, now(), who())),
    'admin:save-term-default': (i) => changed(saveTermDefault(db, i, now(), who())),
    'admin:delete-term-default': (i) => changed(deleteTermDefault(db, i.code, now(), who())),
    'admin:mandate-codes': () => listMandateCodes(db),
    'admin:save-mandate-code': (i) => changed(saveMandateCode(db, i, now(), who())),
    'admin:delete-mandate-code': (i) => changed(deleteMandateCode(db, i.code, now(), who())),
    'admin:rejection-codes': () => listRejectionCodes(db),
    'admin:save-rejection-code': (i) => changed(saveRejectionCode(db, i, now(), who())),
    'admin:delete-rejection-code': (i) => changed(deleteRejectionCode(db, i.code, now(), who())),
    'admin:currencies': () => listCurrencies(db),
    'admin:save-currency': (i) => changed(saveCurrency(db, i, now(), who())),
    'admin:rates': (i) => listRates(db, i),
    'admin:save-rate': (i) => changed(saveRate(db, i, now(), who())),
    'admin:history': (i) => changeHistory(db, i),
    'admin:custom-fields': () => listCustomFields(db),
    'admin:save-custom-field': (i) => changed(saveCustomField(db, i, now(), who())),
    'admin:delete-custom-field': (i) => changed(deleteCustomField(db, i.key, now(), who())),
    'admin:column-sets': () => listColumnSets(db),
    'admin:save-columns': (i) => changed(saveColumns(db, i, now(), who())),
    'admin:delete-columns': (i) => changed(deleteColumns(db, i, now(), who())),
    'admin:export-config': () => exportConfig(db, now()),
    'admin:import-config': (i) => changed(importConfig(db, i, now(), who())),
    'operators:list': () => listOperators(db),
    'operators:add': async ({ password, ...i }) => {
      if (password !== undefined) checkNewPassword(password, i.login);
      const phc = password === undefined ? null : await hashPassword(password);
      return changed(addOperator(db, i, now(), who(), phc));
    },
    'operators:grant': (i) => changed(changeRoles(db, i, true, now(), who())),
    'operators:revoke': (i) => changed(changeRoles(db, i, false, now(), who())),
    'operators:update': (i) => changed(updateOperator(db, i, now(), who())),
    'columns:grid': (i) => gridColumns(db, who(), i),
    'columns:save-layout': (i) => saveLayout(db, who(), i, now()),
    'columns:reset-layout': (i) => resetLayout(db, who(), i, now()),
  };
}
