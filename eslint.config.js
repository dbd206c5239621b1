// Layering is enforced here: core/ is plain Node (no electron, react, electron-store); renderer/ talks to the
// admin API only (no node: modules, no DB drivers, no core adapters; core/contracts is shared and allowed).
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'http', 'https', 'net', 'crypto', 'stream', 'zlib', 'url', 'util', 'events', 'worker_threads'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'renderer/dist/**', 'out/**', 'release/**', 'integrator-data/**', 'coverage/**', 'renderer/dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['electron', 'electron-store', 'react', 'react-dom', 'zustand'].map((name) => ({ name, message: 'core/ is plain Node: it never imports the shell or the UI.' })),
        patterns: [{ group: ['**/electron/**', '**/renderer/**'], message: 'core/ never imports the shell or the UI.' }],
      }],
    },
  },
  {
    files: ['core/contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['node:*', ...nodeBuiltins, '../*', '!./*'], message: 'contracts are shared with the UI: zod and each other only.' }],
      }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [...nodeBuiltins, 'better-sqlite3', 'mssql', 'electron', 'pino', 'fastify'].map((name) => ({ name, message: 'renderer/ talks to the admin API only.' })),
        patterns: [
          { group: ['node:*'], message: 'renderer/ runs in a browser: no Node modules.' },
          { group: ['**/core/*', '!**/core/contracts', '**/core/!(contracts)/**'], message: 'renderer/ may import core/contracts only.' },
        ],
      }],
    },
  },
  {
    // CommonJS: the preload (sandboxed preloads are CommonJS) and the core process's entry.
    files: ['**/*.js', '**/*.cjs', '**/*.cts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
