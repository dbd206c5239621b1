import fs from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import { RotatingFile } from './rotatingFile.js';
import { logFile, scrub } from './logger.js';
import { redactSettings, secretsOf, type LoadedSettings } from '../settings/settingsFile.js';
import { openDb } from '../db/openDb.js';
import { userMessage } from '../errors.js';
import { PRODUCT, VERSION } from '../version.js';

export interface ExportResult {
  file: string;
  entries: string[];
  bytes: number;
}

export function logsDir(settings: LoadedSettings): string {
  return path.join(settings.dir, 'logs');
}

/** Run history from the web database, newest first; the reason instead when it cannot be read. */
async function runHistory(settings: LoadedSettings): Promise<{ runs: unknown[]; error?: string; schema?: unknown[] }> {
  try {
    const db = await openDb(settings.values.webDsn, { baseDir: settings.dir });
    try {
      const tables = await db.tables();
      if (!tables.includes('IntegrationRun')) return { runs: [], error: 'the web database has no IntegrationRun table yet' };
      const { top, tail } = db.limit(1000);
      const runs = await db.all(`SELECT ${top} * FROM [IntegrationRun] ORDER BY [Id] DESC ${tail}`);
      const schema = tables.includes('SchemaVersion') ? await db.all(`SELECT * FROM [SchemaVersion] ORDER BY [Version]`) : [];
      return { runs, schema };
    } finally {
      await db.close();
    }
  } catch (err) {
    return { runs: [], error: userMessage(err) };
  }
}

/**
 * A support bundle: the log files, the settings with every secret redacted, the run history and version
 * information, as one zip. Every text entry is scrubbed of the install's secrets as a last guard.
 */
export async function exportLogs(settings: LoadedSettings, out: string): Promise<ExportResult> {
  const secrets = secretsOf(settings.values);
  const zip = new yazl.ZipFile();
  const entries: string[] = [];
  const add = (name: string, text: string) => {
    zip.addBuffer(Buffer.from(scrub(text, secrets)), name, { mtime: new Date() });
    entries.push(name);
  };

  for (const f of RotatingFile.files(logFile(logsDir(settings)))) add(`logs/${path.basename(f)}`, fs.readFileSync(f, 'utf8'));
  add('settings.json', `${JSON.stringify(redactSettings({ ...settings.values, ...settings.unknown }), null, 2)}\n`);
  const history = await runHistory(settings);
  add('runs.json', `${JSON.stringify(history, null, 2)}\n`);
  add(
    'version.json',
    `${JSON.stringify(
      {
        product: PRODUCT,
        version: VERSION,
        node: process.version,
        platform: process.platform,
        arch: process.arch,
        exportedAt: new Date().toISOString(),
        settingsFile: settings.file,
      },
      null,
      2,
    )}\n`,
  );
  zip.end();

  const abs = path.resolve(out);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  const tmp = `${abs}.${process.pid}.tmp`;
  await new Promise<void>((resolve, reject) => {
    const ws = fs.createWriteStream(tmp, { mode: 0o600 });
    zip.outputStream.pipe(ws).on('close', resolve).on('error', reject);
    zip.outputStream.on('error', reject);
  });
  fs.renameSync(tmp, abs);
  return { file: abs, entries, bytes: fs.statSync(abs).size };
}

/** The default bundle name: integrator-logs-YYYYMMDD-HHMMSS.zip in the settings folder. */
export function defaultExportName(settings: LoadedSettings, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return path.join(settings.dir, `integrator-logs-${stamp}.zip`);
}
