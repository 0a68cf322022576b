import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const noMainInRenderer = {
  patterns: [
    {
      group: [
        '**/src-main/**',
        '**/db/**',
        'better-sqlite3',
        'drizzle-orm',
        'drizzle-orm/*',
        'node:*',
        'electron',
      ],
      message: 'The renderer talks to main only through window.api.',
    },
  ],
};
const pureDomain = {
  patterns: [
    {
      group: [
        'node:*',
        'better-sqlite3',
        'drizzle-orm',
        'drizzle-orm/*',
        'electron',
        '**/db/**',
        '**/services/**',
        '**/ipc/**',
      ],
      message: 'Domain code is pure: no IO, no database, no Electron.',
    },
  ],
};
const sharedOnly = {
  patterns: [
    {
      group: [
        'node:*',
        'better-sqlite3',
        'drizzle-orm',
        'drizzle-orm/*',
        'electron',
        'react',
        '**/src-main/**',
        '**/src-renderer/**',
        '**/db/**',
      ],
      message: 'src-shared holds only the contract: no node, electron, DOM or drizzle.',
    },
  ],
};

/**
 * Feature folders use each other only through a feature's index.ts (its public surface); whatever two features
 * share lives in src-renderer/src/components. One rule per folder depth, since imports are relative.
 */
const featureBoundaries = (depth) => ({
  patterns: [
    ...noMainInRenderer.patterns,
    {
      regex: `^${'\\.\\./'.repeat(depth)}(?!\\.)[^/]+/.+`,
      message:
        "Another feature's internals: import its index (e.g. '../allocation'), or move the shared piece to components/.",
    },
  ],
});

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'db/migrations/**',
      'db/migrations-pg/**',
      'test-results.json',
      'bin/**',
      'scripts/**/*.mjs',
      'test/**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/consistent-type-definitions': ['error', 'type'],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/only-throw-error': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.name='parseFloat']",
          message: 'Money is integer minor units: never parseFloat.',
        },
      ],
    },
  },
  { files: ['**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: { ...globals.browser } },
    rules: { ...reactHooks.configs.recommended.rules, 'no-restricted-imports': ['error', noMainInRenderer] },
  },
  ...[1, 2, 3].map((depth) => ({
    files: [`src-renderer/src/features/${'*/'.repeat(depth)}*.{ts,tsx}`],
    rules: { 'no-restricted-imports': ['error', featureBoundaries(depth)] },
  })),
  { files: ['src-main/domain/**/*.ts'], rules: { 'no-restricted-imports': ['error', pureDomain] } },
  { files: ['src-shared/**/*.ts'], rules: { 'no-restricted-imports': ['error', sharedOnly] } },
  {
    files: ['src-main/**/*.ts', 'db/**/*.ts'],
    ignores: ['src-main/index.ts', 'src-main/window.ts', 'src-main/ipc/register.ts', 'src-main/electron/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'Only src-main/index.ts, window.ts and ipc/register.ts may import electron.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/ledger/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The ledger kernel never imports electron.' }],
          patterns: [
            {
              group: ['**/services/**', '**/jobs/**', '**/ipc/**', '**/cli/**', '**/bridge/**'],
              message: 'The ledger kernel is used by the feature services and uses none of them.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/services/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'Services never import electron.' }],
          patterns: [
            {
              group: ['**/jobs/**', '**/ipc/**', '**/cli/**', '**/bridge/**'],
              message: 'Services sit below the front doors and the job runner; they never import upward.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
