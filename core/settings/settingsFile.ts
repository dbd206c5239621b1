import fs from 'node:fs';
import path from 'node:path';
import {
  SETTINGS,
  SETTINGS_BY_KEY,
  defaultSettings,
  formatFieldError,
  validateSettings,
  type FieldError,
  type SettingsInput,
  type SettingsValues,
} from '../contracts/settings.schema.js';
import { dsnSecrets, redactDsn } from '../db/dsn.js';
import { settingsRuleErrors } from './settingsRules.js';

export class SettingsError extends Error {
  override name = 'SettingsError';
  constructor(
    message: string,
    readonly fieldErrors: FieldError[] = [],
  ) {
    super(message);
  }
}

export interface LoadedSettings {
  file: string;
  /** Folder of the settings file: relative sqlite paths and logs live here. */
  dir: string;
  /** Every setting, defaults filled in. */
  values: SettingsValues;
  /** Keys present in the file that this version does not know: kept on save, never dropped. */
  unknown: Record<string, unknown>;
  /**
   * Values in the file that cannot be used but do not stop the integrator: a schedule that cannot run switches
   * its event off (the status and the log say why) instead of keeping every other event from starting.
   */
  problems: FieldError[];
}

function describeJsonError(text: string, err: Error): string {
  const m = /position (\d+)/.exec(err.message);
  if (m) {
    const pos = Number(m[1]);
    const before = text.slice(0, pos);
    const line = before.split('\n').length;
    const column = pos - before.lastIndexOf('\n');
    return `line ${line}, column ${column}`;
  }
  const lc = /line (\d+) column (\d+)/.exec(err.message);
  if (lc) return `line ${lc[1]}, column ${lc[2]}`;
  const at = (pos: number) => {
    const before = text.slice(0, pos);
    return `line ${before.split('\n').length}, column ${pos - before.lastIndexOf('\n')}`;
  };
  // Node 20 names no position for some errors, only the text around it: `Unexpected token '}', ..."ab"... is not valid JSON`.
  const ctx = /^Unexpected token '([\s\S])', (\.\.\.)?"([\s\S]*?)"(?:\.\.\.)? is not valid JSON/.exec(err.message);
  if (ctx) {
    const start = text.indexOf(ctx[3]);
    if (start >= 0) return at(start + (ctx[2] ? 10 : Math.max(0, ctx[3].indexOf(ctx[1]))));
  }
  if (/Unexpected end of JSON input/.test(err.message)) return at(text.length);
  return err.message.replace(/\s+/g, ' ');
}

/**
 * Reads and validates the settings file. A missing file gives the defaults. A corrupt or hand-broken
 * file throws one clear SettingsError and is never touched.
 */
export function loadSettings(file: string): LoadedSettings {
  const abs = path.resolve(file);
  const dir = path.dirname(abs);
  if (!fs.existsSync(abs)) return { file: abs, dir, values: defaultSettings(), unknown: {}, problems: [] };
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (err) {
    throw new SettingsError(`cannot read settings file ${abs}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    const backup = fs.existsSync(backupPath(abs)) ? ` (the last good copy is ${backupPath(abs)})` : '';
    throw new SettingsError(`settings file ${abs} is not valid JSON at ${describeJsonError(text, err as Error)}; fix or remove it${backup}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SettingsError(`settings file ${abs} must hold one JSON object of key -> value`);
  }
  const known: SettingsInput = {};
  const unknown: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (SETTINGS_BY_KEY.has(k)) known[k] = v;
    else unknown[k] = v;
  }
  const all = validateSettings(known);
  const problems = all.filter((e) => SETTINGS_BY_KEY.get(e.key)?.type === 'schedule');
  const errors = all.filter((e) => !problems.includes(e));
  if (errors.length) {
    throw new SettingsError(
      `settings file ${abs} has ${errors.length === 1 ? 'an invalid value' : `${errors.length} invalid values`}: ${errors.map(formatFieldError).join('; ')}`,
      errors,
    );
  }
  // Validated above, over the defaults: every declared setting, of its declared type.
  return { file: abs, dir, values: { ...defaultSettings(), ...known } as SettingsValues, unknown, problems };
}

export function backupPath(file: string): string {
  return `${file}.bak`;
}

/**
 * Writes the whole settings object atomically (temp file, fsync, rename). The file being replaced, when
 * it was valid, is kept as settings.json.bak first. Only values different from defaults are not special:
 * every known key is written, so the file documents itself.
 */
export function writeSettingsFile(file: string, values: SettingsInput, unknown: Record<string, unknown> = {}): void {
  const abs = path.resolve(file);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  const ordered: Record<string, unknown> = {};
  for (const s of SETTINGS) ordered[s.key] = values[s.key] ?? s.default;
  Object.assign(ordered, unknown);
  const body = `${JSON.stringify(ordered, null, 2)}\n`;
  if (fs.existsSync(abs)) {
    try {
      loadSettings(abs);
      fs.copyFileSync(abs, backupPath(abs));
    } catch {
      // The current file is broken: keep the previous backup, which is the last good one.
    }
  }
  const tmp = `${abs}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, body);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, abs);
}

/**
 * Validates a change (key -> value) against the file's current content and saves it. Throws a
 * SettingsError with field errors, and writes nothing, when any value is invalid or the result breaks a rule
 * between settings (settingsRules.ts).
 */
export function saveSettings(file: string, changes: SettingsInput): LoadedSettings {
  const errors = validateSettings(changes);
  if (errors.length) throw new SettingsError(errors.map(formatFieldError).join('; '), errors);
  const current = loadSettings(file);
  // Validated above: the saved settings with valid changes are still whole and typed.
  const values = { ...current.values, ...changes } as SettingsValues;
  const ruleErrors = settingsRuleErrors(values, Object.keys(changes));
  if (ruleErrors.length) throw new SettingsError(ruleErrors.map(formatFieldError).join('; '), ruleErrors);
  writeSettingsFile(current.file, values, current.unknown);
  return { ...current, values };
}

/** Keys whose values differ between two settings objects (saved vs applied). */
export function diffSettings(a: SettingsInput, b: SettingsInput): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();
}

/** The settings with secrets removed: secret-typed values and DSN passwords. For logs and exports. */
export function redactSettings(values: SettingsInput): SettingsInput {
  const out: SettingsInput = {};
  for (const [k, v] of Object.entries(values)) {
    const def = SETTINGS_BY_KEY.get(k);
    if (def?.type === 'secret') out[k] = v ? '***' : '';
    else if (def?.type === 'dsn' && typeof v === 'string') out[k] = redactDsn(v);
    else if (!def && /password|secret|token|key/i.test(k)) out[k] = '***';
    else out[k] = v;
  }
  return out;
}

/** The secret strings among the settings (passwords, keys), for scrubbing text before it leaves the process. */
export function secretsOf(values: SettingsInput): string[] {
  const out: string[] = [];
  for (const s of SETTINGS) {
    const v = values[s.key];
    if (typeof v !== 'string' || !v) continue;
    if (s.type === 'secret') out.push(v);
    if (s.type === 'dsn') {
      for (const p of dsnSecrets(v)) {
        out.push(p);
        try {
          out.push(decodeURIComponent(p));
        } catch {
          // not percent-encoded
        }
      }
    }
  }
  return [...new Set(out.filter((s) => s.length >= 3))];
}

