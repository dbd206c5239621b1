// The UI bundle: `npm run build:ui` writes renderer/dist, which `integrator run` serves beside the admin API.
// JSX goes through Vite's built-in esbuild (no React plugin): the automatic runtime needs no React import.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.join(path.dirname(fileURLToPath(import.meta.url)), 'renderer');

export default defineConfig({
  root: here,
  // Relative asset URLs: the same build works at any mount point and inside the Electron window.
  base: './',
  esbuild: { jsx: 'automatic' },
  logLevel: 'warn',
  build: {
    outDir: path.join(here, 'dist'),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      // zod ships comments Rollup cannot place; harmless, and noise in every build.
      onwarn(warning, warn) {
        if (warning.code === 'INVALID_ANNOTATION') return;
        warn(warning);
      },
    },
  },
});
