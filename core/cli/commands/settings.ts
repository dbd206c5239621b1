import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError } from '../context.js';
import { SETTINGS, coerceSettingInput, findSetting, validateSettings, formatFieldError } from '../../contracts/settings.schema.js';
import { loadSettings, redactSettings, saveSettings, SettingsError } from '../../settings/settingsFile.js';
import { settingsRuleErrors } from '../../settings/settingsRules.js';

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function register(program: Command, ctx: CliContext): void {
  const settings = program.command('settings').description('read and change the settings file');
  settings
    .command('list')
    .description('every setting with its value, group and label')
    .option('--config <file>', 'settings file')
    .option('--json', 'one JSON object, key -> value (secrets redacted)')
    .action((opts: { config?: string; json?: boolean }) => {
      const s = ctx.settings(opts.config);
      const values = redactSettings(s.values);
      if (opts.json) {
        ctx.io.out(JSON.stringify(values, null, 2));
        return;
      }
      let group = '';
      const width = Math.max(...SETTINGS.map((d) => d.key.length));
      for (const def of SETTINGS) {
        if (def.group !== group) {
          group = def.group;
          ctx.io.out(`\n${group}`);
        }
        const note = def.used ? '' : '  (not used by this edition)';
        ctx.io.out(`  ${def.key.padEnd(width)}  ${show(values[def.key]).padEnd(24)}  ${def.label}${note}`);
      }
    });
  settings
    .command('get <key>')
    .description('one setting, by key or exact label')
    .option('--config <file>', 'settings file')
    .option('--reveal', 'print a secret value instead of ***')
    .action((key: string, opts: { config?: string; reveal?: boolean }) => {
      const def = findSetting(key);
      if (!def) throw new CliError(`unknown setting "${key}" (see: integrator settings list)`);
      const s = ctx.settings(opts.config);
      const value = opts.reveal ? s.values[def.key] : redactSettings({ [def.key]: s.values[def.key] })[def.key];
      ctx.io.out(show(value));
    });
  settings
    .command('set <key> <value>')
    .description('change one setting, by key or exact label; validated before it is saved')
    .option('--config <file>', 'settings file')
    .action((key: string, text: string, opts: { config?: string }) => {
      const def = findSetting(key);
      if (!def) throw new CliError(`unknown setting "${key}" (see: integrator settings list)`);
      const value = coerceSettingInput(def, text);
      const errors = validateSettings({ [def.key]: value });
      if (errors.length) throw new CliError(`not saved: ${formatFieldError(errors[0])} (got "${text}")`);
      const file = ctx.configPath(opts.config);
      try {
        saveSettings(file, { [def.key]: value });
      } catch (err) {
        if (err instanceof SettingsError && err.fieldErrors.length) throw new CliError(`not saved: ${err.fieldErrors.map(formatFieldError).join('; ')}`);
        throw err;
      }
      const shown = redactSettings({ [def.key]: value })[def.key];
      ctx.io.out(`${def.label} (${def.key}) = ${show(shown)}`);
      if (def.warning && value === true) ctx.io.out(`Warning: ${def.warning}`);
      ctx.io.out(`Saved to ${file}. A running integrator applies it after a restart.${def.used ? '' : ' (Not used by this edition.)'}`);
    });
  settings
    .command('validate')
    .description('check the settings file; exit 1 when anything is wrong')
    .option('--config <file>', 'settings file')
    .action((opts: { config?: string }) => {
      const file = ctx.configPath(opts.config);
      const s = loadSettings(file);
      if (s.problems.length) {
        throw new CliError(`settings file ${s.file} has ${s.problems.length === 1 ? 'an invalid value' : `${s.problems.length} invalid values`}: ${s.problems.map(formatFieldError).join('; ')}`);
      }
      const problems = settingsRuleErrors(s.values);
      if (problems.length) throw new CliError(`${s.file}: ${problems.length === 1 ? 'a setting cannot be used' : `${problems.length} settings cannot be used`}: ${problems.map(formatFieldError).join('; ')}`);
      ctx.io.out(`${s.file}: ${SETTINGS.length} settings valid${Object.keys(s.unknown).length ? `; unknown keys kept as they are: ${Object.keys(s.unknown).join(', ')}` : ''}`);
    });
}
