import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

const root = __dirname;

export default defineConfig({
  main: {
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
