import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from './packageRoot.js';

const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

export const PRODUCT = 'Integrator';
export const VERSION: string = pkg.version;
