import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp } from './src-main/app-context';
const dir = mkdtempSync(join(tmpdir(), 'q2-'));
const app = openApp({ file: join(dir, 'l.sqlite'), login: 'x', migrationsFolder: 'db/migrations' });
const f = (n: string) => join(dir, n);
writeFileSync(f('a.csv'), `account_no,name,status,currency,default_pay_type\nBIG,Big,active,USD,10001\n`);
writeFileSync(f('u.csv'), `bill_unit_no,account_no,name,accounting_type,pay_type,payment_term,paying,parent_bill_unit_no,is_default,bill_cycle_day,next_bill_date\nU1,BIG,Main,open_item,10001,N30,1,,1,1,\n`);
const b = ['bill_no,bill_unit_no,bill_date,due_date,currency,total'], it = ['item_no,bill_no,type,amount,open_amount,gl_id'];
for (let i = 0; i < 10000; i++) { const d = new Date(Date.UTC(2000, 0, 1 + i)).toISOString().slice(0, 10); b.push(`B${i},U1,${d},${d},USD,12.50`); it.push(`I${i},B${i},usage,12.50,12.50,102`); }
writeFileSync(f('b.csv'), b.join('\n')); writeFileSync(f('i.csv'), it.join('\n'));
void (async () => {
  console.log((await app.dispatch('ar:import', { accountsFile: f('a.csv'), billUnitsFile: f('u.csv'), billsFile: f('b.csv'), itemsFile: f('i.csv') })).ok);
  for (let k = 0; k < 8; k++) { const t = performance.now(); await app.dispatch('allocation:view', { accountNo: 'BIG' }); console.log('view', (performance.now() - t).toFixed(1)); }
  if (process.argv[2] === 'nofk') app.ctx.ledger.sqlite.pragma('foreign_keys = OFF');
  const rec: any = await app.dispatch('payments:record', { accountNo: 'BIG', amount: '125000.00', allocate: 'none' });
  for (let k = 0; k < 4; k++) {
    let t = performance.now(); const r: any = await app.dispatch('allocation:apply', { paymentId: rec.value.paymentId, policy: 'fifo' }); console.log('apply', r.ok, (performance.now() - t).toFixed(1));
    t = performance.now(); await app.dispatch('allocation:undo', { paymentId: rec.value.paymentId, reasonCode: 1 }); console.log('undo', (performance.now() - t).toFixed(1));
  }
})();
