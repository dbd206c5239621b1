// Layering is enforced here: core/ is plain Node (no electron, react, electron-store); renderer/ talks to the
// admin API only (no node: modules, no DB drivers, no core adapters; core/contracts is shared and allowed).
// Inside core/, each folder is a layer and imports only from its own layer and those below it (CORE_LAYERS), and
// no files import each other in a circle.
import path from 'node:path';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'http', 'https', 'net', 'crypto', 'stream', 'zlib', 'url', 'util', 'events', 'worker_threads'];

/**
 * The layers of core/, from the ground up: a file imports from its own folder and from the layers below it, never
 * from one above, nor from a folder beside it in the same layer (the ERP and web adapters know nothing of each
 * other). '.' is the files at the root of core/ (errors.ts, version.ts, ...). A new folder takes its place here.
 */
export const CORE_LAYERS = [
  ['contracts'],
  ['.'],
  ['db'],
  ['erp', 'web'],
  ['settings'],
  ['logging'],
  ['demo'],
  ['customers'],
  ['events'],
  ['run'],
  ['worker'],
  ['pricing'],
  ['admin'],
  ['cli'],
];

const coreDir = path.resolve(import.meta.dirname, 'core');

/** The layer of a file of core/ (its folder, or the file itself at the root), or null outside core/. */
function layerOf(file) {
  const rel = path.relative(coreDir, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  const name = rel.includes(path.sep) ? rel.split(path.sep)[0] : '.';
  const index = CORE_LAYERS.findIndex((layer) => layer.includes(name));
  return { name, index };
}

/** core/: no import from a layer above (see CORE_LAYERS). */
const layersPlugin = {
  rules: {
    'no-upward-import': {
      meta: { type: 'problem', schema: [], docs: { description: 'core/ imports only from its own layer and those below it' } },
      create(context) {
        const from = layerOf(context.filename);
        if (!from) return {};
        const check = (node, source) => {
          if (typeof source !== 'string' || !source.startsWith('.')) return;
          const to = layerOf(path.resolve(path.dirname(context.filename), source));
          if (!to || to.name === from.name) return;
          if (from.index < 0) return context.report({ node, message: `core/${from.name} has no place in the layer order (CORE_LAYERS in eslint.config.js)` });
          if (to.index < 0) return context.report({ node, message: `core/${to.name} has no place in the layer order (CORE_LAYERS in eslint.config.js)` });
          if (to.index > from.index) context.report({ node, message: `core/${from.name} may not import ${source}: core/${to.name} is a layer above it (CORE_LAYERS in eslint.config.js)` });
          else if (to.index === from.index) context.report({ node, message: `core/${from.name} may not import ${source}: core/${to.name} stands beside it in its layer (CORE_LAYERS in eslint.config.js)` });
        };
        return {
          ImportDeclaration: (node) => check(node, node.source.value),
          ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
          ExportAllDeclaration: (node) => check(node, node.source.value),
          ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
        };
      },
    },
  },
};

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
    files: ['core/**/*.ts'],
    plugins: { layers: layersPlugin, 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: {
      'layers/no-upward-import': 'error',
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
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
