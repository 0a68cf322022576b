import { openApp } from '../src-main/app-context';
const app = openApp({ file: '/tmp/susp5m.sqlite', login: 'bench', migrationsFolder: '/work/main/db/migrations' });
const frags = process.argv.slice(2);
(async () => {
  await app.dispatch('suspense:search', { limit: 1 });
  for (const f of frags) {
    const input = JSON.parse(f);
    for (let k = 0; k < 2; k++) {
      const s = performance.now();
      const r = (await app.dispatch('suspense:search', { limit: 100, ...input })) as any;
      if (k) console.log(f, r.ok ? `${r.value.total} exact=${r.value.totalExact} rows=${r.value.rows.length}` : r.error.message, (performance.now() - s).toFixed(1));
    }
  }
  app.close();
})();
