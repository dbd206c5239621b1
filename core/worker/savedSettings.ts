// The settings as saved (what Apply wrote) beside those the integrator runs with: the UI polls the status, so the
// file is read and validated again only when it changed.
import fs from 'node:fs';
import type { SettingsValues } from '../contracts/settings.schema.js';
import { diffSettings, loadSettings } from '../settings/settingsFile.js';
import { userMessage } from '../errors.js';

export class SavedSettings {
  private cache: { stamp: string; values: SettingsValues } | null = null;
  private pendingCache: { saved: SettingsValues; applied: SettingsValues; keys: string[] } | null = null;

  constructor(
    private readonly file: string,
    private readonly applied: () => SettingsValues,
  ) {}

  /** The saved settings, or the applied ones when the file cannot be read now. */
  read(): { values: SettingsValues; error: string | null } {
    try {
      const st = fs.statSync(this.file);
      const stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
      if (this.cache?.stamp !== stamp) this.cache = { stamp, values: loadSettings(this.file).values };
      return { values: this.cache.values, error: null };
    } catch (err) {
      this.cache = null;
      return { values: this.applied(), error: userMessage(err) };
    }
  }

  /** Keys saved but not yet applied. */
  pendingChanges(): string[] {
    const saved = this.read().values;
    const applied = this.applied();
    const cached = this.pendingCache;
    if (cached && cached.saved === saved && cached.applied === applied) return cached.keys;
    const keys = diffSettings(saved, applied);
    this.pendingCache = { saved, applied, keys };
    return keys;
  }
}
