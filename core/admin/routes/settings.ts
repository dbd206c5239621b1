// Settings: read (secrets redacted), the schema, validate, save (applied at the next restart), restart.
import type { FastifyInstance } from 'fastify';
import { API, SettingsBodySchema } from '../../contracts/adminApi.js';
import { SETTINGS, SETTINGS_BY_KEY, SETTING_GROUPS, coerceSettingInput, validateSettings, formatFieldError, type SettingsInput } from '../../contracts/settings.schema.js';
import { saveSettings, secretsOf } from '../../settings/settingsFile.js';
import { scrub } from '../../logging/logger.js';
import { settingsRuleErrors } from '../../settings/settingsRules.js';
import { DsnError, parseDsn } from '../../db/dsn.js';
import { userMessage } from '../../errors.js';
import { redactSettingsForUi, restoreRedacted } from '../settingsSecrets.js';
import { HttpError } from '../httpError.js';
import type { AdminContext } from './context.js';

/** Values typed in a form arrive as text: turn them into the setting's type so validation judges the value. */
function coerceBody(body: Record<string, unknown>): SettingsInput {
  const out: SettingsInput = {};
  for (const [k, v] of Object.entries(body)) {
    const def = SETTINGS_BY_KEY.get(k);
    out[k] = def && typeof v === 'string' && ['boolean', 'integer', 'port', 'json'].includes(def.type) ? coerceSettingInput(def, v) : v;
  }
  return out;
}

export function registerSettingsRoutes(app: FastifyInstance, { integrator, logger }: AdminContext): void {
  // Secrets never travel to the UI: see settingsSecrets.ts for how they survive a round trip.
  app.get(API.settings, async () => redactSettingsForUi(integrator.saved().values));

  app.get(API.settingsSchema, async () => ({ groups: SETTING_GROUPS, settings: SETTINGS }));

  /** The body with its redacted parts restored, and every field error (DSN problems named without the password). */
  const checkBody = (raw: unknown) => {
    const restored = restoreRedacted(coerceBody(SettingsBodySchema.parse(raw ?? {})), integrator.saved().values);
    const body = restored.values;
    const fieldErrors = [...restored.fieldErrors, ...validateSettings(body)];
    // Rules between settings judge the saved settings with this change applied (a bad value is named once).
    if (!fieldErrors.length) fieldErrors.push(...settingsRuleErrors({ ...integrator.saved().values, ...body }, Object.keys(body)));
    for (const [k, v] of Object.entries(body)) {
      if (SETTINGS_BY_KEY.get(k)?.type !== 'dsn' || typeof v !== 'string' || fieldErrors.some((e) => e.key === k)) continue;
      try {
        parseDsn(v, integrator.settings.dir);
      } catch (err) {
        if (!(err instanceof DsnError)) throw err;
        fieldErrors.push({ key: k, label: SETTINGS_BY_KEY.get(k)!.label, message: scrub(err.message, secretsOf({ [k]: v })) });
      }
    }
    return { body, fieldErrors };
  };

  app.post(API.settingsValidate, async (req) => {
    const { fieldErrors } = checkBody(req.body);
    return { ok: fieldErrors.length === 0, fieldErrors };
  });

  app.put(API.settings, async (req) => {
    const { body, fieldErrors } = checkBody(req.body);
    // An empty or short token would lock every admin out after the next restart.
    if ('adminToken' in body && typeof body.adminToken === 'string' && body.adminToken.length < 16) {
      fieldErrors.push({ key: 'adminToken', label: SETTINGS_BY_KEY.get('adminToken')!.label, message: 'must be at least 16 characters' });
    }
    if (fieldErrors.length) {
      throw new HttpError(400, `${fieldErrors.length === 1 ? 'a setting is' : `${fieldErrors.length} settings are`} not valid: ${fieldErrors.map(formatFieldError).join('; ')}`, fieldErrors);
    }
    saveSettings(integrator.settings.file, body);
    const pendingChanges = integrator.pendingChanges();
    logger.info({ keys: Object.keys(body) }, 'settings saved from the admin UI');
    return { saved: Object.keys(body).sort(), restartRequired: pendingChanges.length > 0, pendingChanges };
  });

  app.post(API.restart, async (_req, reply) => {
    const before = integrator.pendingChanges();
    void integrator.restart('restart from the admin UI').catch((err) => logger.error({ err: userMessage(err) }, 'restart failed'));
    return reply.status(202).send({ accepted: true, applying: before, message: before.length ? `restarting to apply ${before.join(', ')}` : 'restarting' });
  });
}
