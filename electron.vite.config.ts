import { existsSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';

const root = __dirname;

/** Name of the stamp next to out/main/cli.js: every file the CLI bundle was built from, with its mtime and size. */
const CLI_STAMP = 'cli-sources.json';

/**
 * Writes out/main/cli-sources.json: each file the CLI bundle (cli.js and the chunks it loads, eagerly or lazily) was
 * built from (and the job worker it starts), as [path relative to the root, mtimeMs, size]. bin/paydesk.cjs runs the bundle in a checkout only
 * while every one of them is unchanged, so a developer or a test never runs a stale bundle. A file changed while
 * the build ran gets mtime -1: the bundle may hold the old text, so it counts as stale at once.
 */
function cliSourcesStamp(): Plugin {
  let started = 0;
  return {
    name: 'paydesk-cli-sources-stamp',
    buildStart() {
      started = Date.now();
    },
    generateBundle(_options, bundle) {
      const chunks = new Map<string, { moduleIds: string[]; imports: string[]; dynamicImports: string[] }>();
      for (const [fileName, out] of Object.entries(bundle))
        if (out.type === 'chunk') chunks.set(fileName, out);
      if (!chunks.has('cli.js')) return;
      const seen = new Set<string>();
      const files = new Set<string>();
      const visit = (fileName: string): void => {
        const chunk = chunks.get(fileName);
        if (!chunk || seen.has(fileName)) return;
        seen.add(fileName);
        for (const id of chunk.moduleIds) if (!id.startsWith('\0') && existsSync(id)) files.add(id);
        for (const next of [...chunk.imports, ...chunk.dynamicImports]) visit(next);
      };
      // The CLI runs its jobs in worker.js, built from the same sources.
      visit('cli.js');
      visit('worker.js');
      const list = [...files].sort().map((file) => {
        const st = statSync(file);
        return [relative(root, file), st.mtimeMs >= started ? -1 : st.mtimeMs, st.size];
      });
      this.emitFile({ type: 'asset', fileName: CLI_STAMP, source: JSON.stringify({ files: list }) });
    },
  };
}

export default defineConfig({
  main: {
    plugins: [cliSourcesStamp()],
    build: {
      outDir: resolve(root, 'out/main'),
      // Keep better-sqlite3, drizzle-orm, zod, commander... as require() calls: the native module must load from
      // node_modules (app.asar.unpacked in a package), and electron-builder ships production deps anyway.
      // zod is bundled (tree-shaken: one compiled chunk instead of ~100 small files and every locale at start-up).
      externalizeDeps: { exclude: ['zod'] },
      rolldownOptions: {
        input: {
          index: resolve(root, 'src-main/index.ts'),
          worker: resolve(root, 'src-main/jobs/worker.ts'),
          cli: resolve(root, 'src-main/cli/main.ts'),
        },
        output: {
          format: 'cjs',
          entryFileNames: '[name].js',
          // Shared chunks sit next to the entries (not in a sub-folder) so __dirname is out/main for every
          // module; worker-runner, window and paths resolve worker.js, ../preload and ../renderer from it.
          chunkFileNames: '[name]-[hash].js',
        },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      // The command list comes from the registry, whose schemas use zod: bundled like every other import here.
      externalizeDeps: { exclude: ['zod'] },
      rolldownOptions: {
        input: { index: resolve(root, 'src-preload/index.ts') },
        // A sandboxed preload cannot require() anything but 'electron': it must be one self-contained CJS file.
        output: { format: 'cjs', entryFileNames: '[name].js', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    plugins: [react()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      rolldownOptions: { input: { index: resolve(root, 'src-renderer/index.html') } },
    },
  },
});
