import { useCallback, useEffect, useMemo, useState } from 'react';
import type { z } from 'zod';
import { SECRET_PLACEHOLDER, type SettingDefSchema } from '../../../core/contracts/adminApi.js';
import { ApiError, type FieldErrorItem } from '../api.js';
import { Empty, Loading, Notice } from '../components.js';
import { changedSettings, groupSettings, toFormValues, type FormValue, type FormValues } from '../settingsForm.js';
import { useApp } from '../store.js';
import { TestPricingForm } from '../TestPricing.js';

type Def = z.infer<typeof SettingDefSchema>;

function Field({ def, value, error, onChange }: { def: Def; value: FormValue; error?: FieldErrorItem; onChange(v: FormValue): void }) {
  const id = `setting-${def.key}`;
  const describedBy = `${id}-help`;
  const unused = !def.used;
  const cls = `field${unused ? ' unused' : ''}${error ? ' has-error' : ''}${def.type === 'boolean' ? ' field-check' : ''}`;
  const note = unused ? <span className="unused-note">not used by this edition</span> : null;
  if (def.type === 'boolean') {
    return (
      <div className={cls} data-key={def.key}>
        <label htmlFor={id} title={def.help}>
          <input id={id} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} aria-describedby={describedBy} />
          <span>{def.label}</span>
          {note}
        </label>
        {def.warning && value === true && (
          <div className="warn-text small" role="alert" data-testid={`${def.key}-warning`}>
            {def.warning}
          </div>
        )}
        <div id={describedBy} className="help">
          {def.used ? def.help : ''}
        </div>
        {error && <div className="field-error" role="alert">{`${error.label} ${error.message}`}</div>}
      </div>
    );
  }
  const text = typeof value === 'string' ? value : '';
  // The API never sends a secret: a set one arrives as the placeholder, and sent back as is it keeps the saved one.
  const hidden = def.type === 'secret' && text === SECRET_PLACEHOLDER ? 'Set (hidden). Type a new value to replace it.' : def.type === 'dsn' && text.includes(SECRET_PLACEHOLDER) ? `The password shows as ${SECRET_PLACEHOLDER}; leave it to keep the saved one.` : '';
  const numeric = def.type === 'integer' || def.type === 'port';
  const input =
    def.type === 'json' || (def.maxLength !== undefined && def.maxLength > 500) ? (
      <textarea id={id} value={text} rows={2} onChange={(e) => onChange(e.target.value)} aria-describedby={describedBy} spellCheck={false} />
    ) : (
      <input
        id={id}
        type={def.type === 'secret' ? 'password' : 'text'}
        inputMode={numeric ? 'numeric' : undefined}
        className={numeric ? 'narrow' : undefined}
        value={text}
        placeholder={def.type === 'time' ? 'HH:MM' : def.type === 'date' ? 'YYYY-MM-DD' : undefined}
        autoComplete="off"
        spellCheck={false}
        onChange={(e) => onChange(e.target.value)}
        aria-describedby={describedBy}
        aria-invalid={error ? true : undefined}
      />
    );
  return (
    <div className={cls} data-key={def.key}>
      <label htmlFor={id} title={def.help}>
        {def.label}
        {note}
      </label>
      <div className="input-row">
        {input}
        {def.unit && <span className="unit">{def.unit}</span>}
      </div>
      <div id={describedBy} className="help">
        {def.used ? def.help : ''}
        {hidden && <span data-testid={`hidden-${def.key}`}> {hidden}</span>}
      </div>
      {error && <div className="field-error" role="alert">{`${error.label} ${error.message}`}</div>}
    </div>
  );
}

export function AdvancedTab() {
  const api = useApp((s) => s.api);
  const failure = useApp((s) => s.failure);
  const setTab = useApp((s) => s.setTab);
  const notify = useApp((s) => s.notify);
  const refresh = useApp((s) => s.refresh);
  const [defs, setDefs] = useState<Def[] | null>(null);
  const [groups, setGroups] = useState<string[]>([]);
  const [initial, setInitial] = useState<FormValues>({});
  const [values, setValues] = useState<FormValues>({});
  const [loadError, setLoadError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<FieldErrorItem[]>([]);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [saved, setSaved] = useState<{ keys: string[]; restartRequired: boolean; pending: string[] } | null>(null);
  const [saving, setSaving] = useState(false);

  const load = useCallback(async () => {
    setLoadError(null);
    try {
      const [schema, settings] = await Promise.all([api.settingsSchema(), api.settings()]);
      const form = toFormValues(schema.settings, settings);
      setDefs(schema.settings);
      setGroups(schema.groups);
      setInitial(form);
      setValues(form);
    } catch (err) {
      setLoadError(failure(err));
    }
  }, [api, failure]);

  useEffect(() => {
    void load();
  }, [load]);

  const changes = useMemo(() => (defs ? changedSettings(defs, initial, values) : {}), [defs, initial, values]);
  const dirty = Object.keys(changes).length > 0;
  const errorsByKey = useMemo(() => new Map(fieldErrors.map((e) => [e.key, e])), [fieldErrors]);

  const save = async (): Promise<boolean> => {
    if (!defs) return false;
    if (!dirty) {
      setSaveError(null);
      setFieldErrors([]);
      return true;
    }
    setSaving(true);
    setSaveError(null);
    try {
      const res = await api.saveSettings(changes);
      setFieldErrors([]);
      setInitial(values);
      setSaved({ keys: res.saved, restartRequired: res.restartRequired, pending: res.pendingChanges });
      await refresh();
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.fieldErrors.length > 0) {
        setFieldErrors(err.fieldErrors);
        setSaveError(`Not saved: ${err.fieldErrors.length === 1 ? 'one setting needs' : `${err.fieldErrors.length} settings need`} fixing.`);
        const first = err.fieldErrors[0];
        document.getElementById(`setting-${first.key}`)?.focus();
      } else {
        setSaveError(`Not saved: ${failure(err)}`);
      }
      return false;
    } finally {
      setSaving(false);
    }
  };

  const ok = async () => {
    const wasDirty = dirty;
    if (await save()) {
      // Tab first: a tab change clears the notice of the tab left behind.
      setTab('Status');
      if (wasDirty) notify('ok', 'Settings saved. Restart the integrator to apply them now, or the nightly restart will.');
    }
  };

  const cancel = () => {
    setValues(initial);
    setFieldErrors([]);
    setSaveError(null);
    setTab('Status');
  };

  if (loadError) {
    return (
      <Notice tone="bad">
        Could not load the settings: {loadError}{' '}
        <button type="button" className="link" onClick={load}>
          Try again
        </button>
      </Notice>
    );
  }
  if (!defs) return <Loading what="settings" />;
  if (defs.length === 0) return <Empty>No settings are declared.</Empty>;

  return (
    <form
      className="advanced"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      {saved && !dirty && (
        <Notice tone={saved.restartRequired ? 'warn' : 'ok'} onClose={() => setSaved(null)}>
          <span data-testid="settings-saved">
            Saved{saved.keys.length ? `: ${saved.keys.join(', ')}` : ''}.{' '}
            {saved.restartRequired ? (
              <>
                <strong>Restart required</strong> to apply {saved.pending.join(', ')}.
              </>
            ) : (
              'Nothing waits for a restart.'
            )}
          </span>
        </Notice>
      )}
      {saveError && <Notice tone="bad">{saveError}</Notice>}
      {groupSettings(groups, defs).map(({ group, settings }) => (
        <fieldset key={group} className="card settings-group">
          <legend>{group}</legend>
          <div className="fields">
            {settings.map((d) => (
              <Field
                key={d.key}
                def={d}
                value={values[d.key] ?? ''}
                error={errorsByKey.get(d.key)}
                onChange={(v) => setValues((cur) => ({ ...cur, [d.key]: v }))}
              />
            ))}
          </div>
          {group === 'Live Pricing/Availability' && (
            <div className="group-extra">
              <TestPricingForm compact />
            </div>
          )}
        </fieldset>
      ))}
      <div className="form-actions sticky">
        <span className="small muted">{dirty ? `${Object.keys(changes).length} unsaved change(s): ${Object.keys(changes).join(', ')}` : 'No unsaved changes'}</span>
        <button type="button" onClick={cancel} disabled={saving}>
          Cancel
        </button>
        <button type="submit" disabled={saving || !dirty}>
          {saving ? 'Saving…' : 'Apply'}
        </button>
        <button type="button" className="primary" onClick={ok} disabled={saving}>
          OK
        </button>
      </div>
    </form>
  );
}
