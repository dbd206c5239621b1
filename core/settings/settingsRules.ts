// Rules a single value's schema cannot judge: one setting against another (a listener open beyond loopback needs
// its API key), and settings that must be able to run (the debtor inclusion filter and the customer field mappings
// are parsed as a run would parse them). Saving, validating and the admin API all apply them, so a value that would
// fail every run, or open the listeners to the network unguarded, is refused with the reason instead of saved.
import { SETTINGS_BY_KEY, isLoopbackAddress, type FieldError, type SettingsInput } from '../contracts/settings.schema.js';
import { ERP_TABLES_BY_NAME } from '../erp/erpSchema.js';
import { FilterError, parseInclusionFilter } from '../erp/inclusionFilter.js';
import { MappingError, resolveCustomerMapping } from '../web/customerMapping.js';

/** The deb_master columns of the ERP contract (SPEC 3): what a filter or mapping may name. */
const DEB_COLUMNS = ERP_TABLES_BY_NAME.get('deb_master')!.columns.map((c) => c.name);

interface Rule {
  /** The settings the rule reads; it is judged when any of them changes. */
  keys: readonly string[];
  /** The problem, on the key it is best reported on given what changed, or null. */
  check(values: SettingsInput, changed: ReadonlySet<string> | null): { key: string; message: string } | null;
}

const RULES: readonly Rule[] = [
  {
    keys: ['listenerBindAddress', 'listenerApiKey'],
    check(v, changed) {
      const address = v.listenerBindAddress;
      if (typeof address !== 'string' || isLoopbackAddress(address)) return null;
      if (typeof v.listenerApiKey === 'string' && v.listenerApiKey !== '') return null;
      // Emptying the key while bound beyond loopback is reported on the key; anything else on the address.
      if (changed && !changed.has('listenerBindAddress') && changed.has('listenerApiKey')) {
        return { key: 'listenerApiKey', message: `cannot be empty while Listener Bind Address is ${address}, which other machines reach: every request must carry the key` };
      }
      return { key: 'listenerBindAddress', message: `${address} is not a loopback address: other machines reach it, so set a Listener API Key first (or keep 127.0.0.1)` };
    },
  },
  {
    keys: ['debtorInclusionFilter'],
    check(v) {
      if (typeof v.debtorInclusionFilter !== 'string') return null;
      try {
        parseInclusionFilter(v.debtorInclusionFilter, DEB_COLUMNS);
        return null;
      } catch (err) {
        if (err instanceof FilterError) return { key: 'debtorInclusionFilter', message: err.message };
        throw err;
      }
    },
  },
  {
    keys: ['customerFieldMappings'],
    check(v) {
      const m = v.customerFieldMappings;
      if (m === null || typeof m !== 'object' || Array.isArray(m)) return null;
      try {
        resolveCustomerMapping(m as Record<string, string>, DEB_COLUMNS);
        return null;
      } catch (err) {
        if (err instanceof MappingError) return { key: 'customerFieldMappings', message: err.message.replace(/^Customer Field Mappings: /, '') };
        throw err;
      }
    },
  },
];

/**
 * The rule problems of a whole settings object. With `changed`, only rules reading a changed key are judged, so a
 * problem already in the file does not block an unrelated change; without it, every rule is.
 */
export function settingsRuleErrors(values: SettingsInput, changed?: Iterable<string>): FieldError[] {
  const keys = changed ? new Set(changed) : null;
  const out: FieldError[] = [];
  for (const rule of RULES) {
    if (keys && !rule.keys.some((k) => keys.has(k))) continue;
    const problem = rule.check(values, keys);
    if (problem) out.push({ key: problem.key, label: SETTINGS_BY_KEY.get(problem.key)?.label ?? problem.key, message: problem.message });
  }
  return out;
}
