import fs from 'node:fs';

const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

export const PRODUCT = 'Integrator';
export const VERSION: string = pkg.version;
