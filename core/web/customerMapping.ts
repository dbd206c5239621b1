// The ERP -> web field map for customers, as data: a default map plus the site's overrides from the
// Customer Field Mappings setting ({"WebColumn": "erp_column"}).
import { WEB_TABLES_BY_NAME } from './webSchema.js';
import { FatalError } from '../errors.js';

/** Web Customer column <- ERP deb_master column. */
export const DEFAULT_CUSTOMER_MAP: Readonly<Record<string, string>> = {
  Name: 'dr_name',
  TermsCode: 'terms_code',
  RepCode: 'rep_code',
  PriceCode: 'price_code',
  Email: 'email',
  Phone: 'phone',
  CreditLimit: 'credit_limit',
  ErpStatus: 'dr_status',
  ErpChangedAt: 'dr_date_last_changed',
};

/** Web columns the integrator itself manages; a mapping may not write them. */
export const UNMAPPABLE_CUSTOMER_COLUMNS = new Set([
  'CustomerCode', 'ActiveStatus', 'CrmStatus', 'IsDisabled', 'ErpHash', 'WebEditedAt', 'PendingErpPush', 'Source', 'DisabledByAdmin', 'CreatedAt', 'UpdatedAt',
  'ErpCode', 'WebCode', 'EmailMatch', 'EmailMatchDecision',
]);

export class MappingError extends FatalError {
  override name = 'MappingError';
}

/**
 * The effective map: defaults with overrides applied. Throws a MappingError naming the column when an
 * override names a web column that cannot be mapped or an ERP column deb_master does not have.
 */
export function resolveCustomerMapping(overrides: Record<string, string> | undefined, erpColumns: readonly string[]): Record<string, string> {
  const map: Record<string, string> = { ...DEFAULT_CUSTOMER_MAP };
  const webColumns = new Set(WEB_TABLES_BY_NAME.get('Customer')!.columns.map((c) => c.name));
  const erp = new Map(erpColumns.map((c) => [c.toLowerCase(), c]));
  for (const [web, source] of Object.entries(overrides ?? {})) {
    if (!webColumns.has(web)) throw new MappingError(`Customer Field Mappings: the web Customer table has no column "${web}"`);
    if (UNMAPPABLE_CUSTOMER_COLUMNS.has(web)) throw new MappingError(`Customer Field Mappings: "${web}" is managed by the integrator and cannot be mapped`);
    const erpName = erp.get(String(source).toLowerCase());
    if (!erpName) throw new MappingError(`Customer Field Mappings: the ERP deb_master table has no column "${source}" (mapped to ${web})`);
    map[web] = erpName;
  }
  for (const [web, source] of Object.entries(map)) {
    if (!erp.has(source.toLowerCase())) throw new MappingError(`Customer Field Mappings: the ERP deb_master table has no column "${source}" (mapped to ${web})`);
  }
  return map;
}
