// The Advanced tab's form model: every setting as the text (or tick) the admin edits, and back again to
// the typed values PUT /api/settings expects. Only changed keys are sent, so a redacted secret that was
// not touched is never written back.
import { coerceSettingInput, type SettingDef } from '../../core/contracts/settings.schema.js';

export type FormValue = string | boolean;
/** What the form needs of a setting (the admin API's /api/settings/schema entries). */
export interface FormDef {
  key: string;
  type: string;
}
export type FormValues = Record<string, FormValue>;

export function toFormValue(def: Pick<FormDef, 'type'>, value: unknown): FormValue {
  if (def.type === 'boolean') return value === true;
  if (value === undefined || value === null) return '';
  if (def.type === 'json') return typeof value === 'string' ? value : JSON.stringify(value);
  return String(value);
}

export function toFormValues(defs: readonly FormDef[], saved: Record<string, unknown>): FormValues {
  const out: FormValues = {};
  for (const d of defs) out[d.key] = toFormValue(d, saved[d.key]);
  return out;
}

/** The typed value of a form entry; text that cannot be converted is returned as is so the server names the field. */
export function fromFormValue(def: FormDef, value: FormValue): unknown {
  if (typeof value === 'boolean') return value;
  // coerceSettingInput reads only the type; the schema route sends the registry's own types.
  return coerceSettingInput(def as SettingDef, value);
}

/** Keys whose form value differs from the saved value, with their typed values. */
export function changedSettings(defs: readonly FormDef[], initial: FormValues, current: FormValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const d of defs) {
    if (current[d.key] === undefined || current[d.key] === initial[d.key]) continue;
    out[d.key] = fromFormValue(d, current[d.key]);
  }
  return out;
}

/** Groups in the registry's order (the seed's Advanced tab), each with its settings in order. */
export function groupSettings<T extends { group: string }>(groups: readonly string[], defs: readonly T[]): Array<{ group: string; settings: T[] }> {
  const order = [...groups, ...defs.map((d) => d.group).filter((g) => !groups.includes(g))];
  return [...new Set(order)]
    .map((group) => ({ group, settings: defs.filter((d) => d.group === group) }))
    .filter((g) => g.settings.length > 0);
}
