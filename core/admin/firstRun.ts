// The admin routes of the first-run page. A fresh install of the tray app writes default settings and the
// first-run mark (core/settings/firstRunMarker.ts); until the admin has given connections that pass the
// configuration check (or chose to start anyway), the UI shows the first-run page. `integrator demo init` and
// hand-written settings have no mark: no first-run page.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { FIRST_RUN_API, FirstRunRequestSchema, type FirstRunResponse, type FirstRunStatus } from '../contracts/firstRun.js';
import { SETTINGS_BY_KEY, formatFieldError, type FieldError } from '../contracts/settings.schema.js';
import { loadSettings, saveSettings, secretsOf, SettingsError } from '../settings/settingsFile.js';
import { scrub } from '../logging/logger.js';
import { runConfigCheck } from '../customers/checkConfig.js';
import { DsnError, parseDsn } from '../db/dsn.js';
import { demoInit } from '../demo/demoData.js';
import { userMessage } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { Integrator } from '../worker/integrator.js';
import { redactSettingsForUi, restoreRedacted } from './settingsSecrets.js';
import { firstRunMarker, firstRunPending } from '../settings/firstRunMarker.js';

export { FIRST_RUN_MARKER } from '../settings/firstRunMarker.js';

export function registerFirstRunRoutes(app: FastifyInstance, o: { integrator: Integrator; logger: Logger }): void {
  const { integrator } = o;
  const logger = o.logger.child({ component: 'first-run' });
  const dir = () => integrator.settings.dir;

  const status = (): FirstRunStatus => {
    const saved = redactSettingsForUi(loadSettings(integrator.settings.file).values);
    return { pending: firstRunPending(dir()), erpDsn: String(saved.erpDsn ?? ''), webDsn: String(saved.webDsn ?? '') };
  };

  app.get(FIRST_RUN_API.status, async () => status());

  // Only while the first run is pending: afterwards the connections are changed on the Advanced tab, and demo
  // data never replaces a configured install's connections.
  const pendingOnly = () => {
    if (!firstRunPending(dir())) throw new SettingsError('the first run is over: change the connections on the Advanced tab');
  };

  // Demo data beside the settings (in demo/), and the connections pointed at it: the admin can try the
  // product before connecting the real databases.
  app.post(FIRST_RUN_API.demo, async () => {
    pendingOnly();
    const demoDir = path.join(dir(), 'demo');
    const r = await demoInit({ dir: demoDir, customers: 500, seed: 1, force: true });
    fs.rmSync(r.settings, { force: true });
    saveSettings(integrator.settings.file, { erpDsn: 'sqlite:demo/erp.sqlite', webDsn: 'sqlite:demo/web.sqlite' });
    logger.info({ dir: demoDir }, 'demo data written for the first run');
    return status();
  });

  app.post(FIRST_RUN_API.status, async (req): Promise<FirstRunResponse> => {
    pendingOnly();
    const body = FirstRunRequestSchema.parse(req.body ?? {});
    const saved = loadSettings(integrator.settings.file).values;
    const restored = restoreRedacted({ erpDsn: body.erpDsn, webDsn: body.webDsn }, saved);
    const fieldErrors: FieldError[] = [...restored.fieldErrors];
    for (const key of ['erpDsn', 'webDsn'] as const) {
      try {
        parseDsn(String(restored.values[key]), dir());
      } catch (err) {
        if (!(err instanceof DsnError)) throw err;
        fieldErrors.push({ key, label: SETTINGS_BY_KEY.get(key)!.label, message: scrub(err.message, secretsOf({ [key]: restored.values[key] })) });
      }
    }
    if (fieldErrors.length) throw new SettingsError(`the connections are not valid: ${fieldErrors.map(formatFieldError).join('; ')}`, fieldErrors);
    const settings = saveSettings(integrator.settings.file, restored.values);
    const check = await runConfigCheck(settings);
    if (!check.ok && !body.anyway) {
      logger.info({ failed: check.items.filter((i) => !i.ok).map((i) => i.item) }, 'first-run connections saved; the configuration check failed');
      return { started: false, check };
    }
    fs.rmSync(firstRunMarker(dir()), { force: true });
    logger.info({ checksPassed: check.ok }, 'first run complete: starting on the saved connections');
    void integrator.restart('first run complete').catch((err) => logger.error({ err: userMessage(err) }, 'restart after the first run failed'));
    return { started: true, check };
  });
}
