// Secrets over the admin API: the UI sees every setting but never a secret's value. A secret that is set shows
// as a fixed placeholder (empty when unset) and a DSN shows its password as the placeholder; a value sent back
// equal to that redacted form means "unchanged", so a form that round-trips every field never wipes a secret.
import { SETTINGS_BY_KEY, type FieldError, type SettingsInput } from '../contracts/settings.schema.js';
import { dsnSecretSlots, maskDsn } from '../db/dsn.js';
import { SECRET_PLACEHOLDER } from '../contracts/adminApi.js';

export { SECRET_PLACEHOLDER };

/** The settings as GET /api/settings answers them. */
export function redactSettingsForUi(values: SettingsInput): SettingsInput {
  const out: SettingsInput = {};
  for (const [k, v] of Object.entries(values)) {
    const def = SETTINGS_BY_KEY.get(k);
    if (def?.type === 'secret') out[k] = v ? SECRET_PLACEHOLDER : '';
    else if (def?.type === 'dsn' && typeof v === 'string') out[k] = maskDsn(v, SECRET_PLACEHOLDER);
    else out[k] = v;
  }
  return out;
}

/**
 * A body of PUT /api/settings with its redacted parts put back from the saved settings: a secret equal to the
 * placeholder is left out (unchanged), a DSN password equal to the placeholder takes the saved DSN's password
 * in the same place. A placeholder with no saved password behind it is a field error, never saved as a password.
 */
export function restoreRedacted(body: SettingsInput, saved: SettingsInput): { values: SettingsInput; fieldErrors: FieldError[] } {
  const values: SettingsInput = {};
  const fieldErrors: FieldError[] = [];
  for (const [k, v] of Object.entries(body)) {
    const def = SETTINGS_BY_KEY.get(k);
    if (def?.type === 'secret' && v === SECRET_PLACEHOLDER) continue;
    if (def?.type === 'dsn' && typeof v === 'string' && v.includes(SECRET_PLACEHOLDER)) {
      const old = typeof saved[k] === 'string' ? (saved[k] as string) : '';
      const oldSlots = dsnSecretSlots(old);
      let out = '';
      let pos = 0;
      let missing = false;
      for (const slot of dsnSecretSlots(v)) {
        if (v.slice(slot.start, slot.end) !== SECRET_PLACEHOLDER) continue;
        const from = oldSlots.find((s) => s.name === slot.name);
        if (!from) {
          missing = true;
          break;
        }
        out += v.slice(pos, slot.start) + old.slice(from.start, from.end);
        pos = slot.end;
      }
      if (missing) {
        fieldErrors.push({ key: k, label: def.label, message: `shows the hidden password (${SECRET_PLACEHOLDER}) but no saved password belongs there: type the password` });
        continue;
      }
      values[k] = out + v.slice(pos);
      continue;
    }
    values[k] = v;
  }
  return { values, fieldErrors };
}
