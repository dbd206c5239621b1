// Web edits of customer fields (seed 004: "if account data entry is authorized, the changes will import to the
// ERP system on the first order following the data change"). Only the fields named in Web Editable Fields may be
// edited; an edit marks the customer PendingErpPush and web-accounts pushes it with the customer's next order.
import type { Db } from '../db/db.js';
import { listItems, type SettingsValues } from '../contracts/settings.schema.js';
import { ERP_TABLES_BY_NAME } from '../erp/erpSchema.js';
import { UNMAPPABLE_CUSTOMER_COLUMNS, resolveCustomerMapping } from '../web/customerMapping.js';
import { FatalError } from '../errors.js';
import { ActionError } from './actionTypes.js';

const DEB_COLUMNS = ERP_TABLES_BY_NAME.get('deb_master')!.columns.map((c) => c.name);
// Fields whose ERP value is derived or managed by the ERP alone; the web may never write them back.
const NOT_EDITABLE = new Set([...UNMAPPABLE_CUSTOMER_COLUMNS, 'ErpStatus', 'ErpChangedAt']);

export interface EditableField {
  web: string;
  erp: string;
}

/** The permitted web fields and the deb_master column each one is pushed to. Throws a FatalError naming a bad one. */
export function editableFields(settings: SettingsValues, erpColumns: readonly string[] = DEB_COLUMNS): EditableField[] {
  const mapping = resolveCustomerMapping(settings.customerFieldMappings as Record<string, string> | undefined, erpColumns);
  return listItems(settings.webEditableFields).map((web) => {
    if (NOT_EDITABLE.has(web)) throw new FatalError(`Web Editable Fields (webEditableFields): "${web}" is managed by the integrator or the ERP and cannot be edited on the web`);
    const erp = mapping[web];
    if (!erp) throw new FatalError(`Web Editable Fields (webEditableFields): "${web}" is not a customer field mapped to the ERP (mapped fields: ${Object.keys(mapping).filter((k) => !NOT_EDITABLE.has(k)).join(', ')})`);
    return { web, erp };
  });
}

/**
 * Applies a web edit of permitted fields to one customer. Returns the fields that changed; an edit that changes
 * nothing marks nothing. A field that is not permitted refuses the whole edit.
 */
export async function recordWebEdit(webDb: Db, settings: SettingsValues, customerCode: string, changes: Record<string, string | null>, now: Date): Promise<string[]> {
  const allowed = new Map(editableFields(settings).map((f) => [f.web, f]));
  const refused = Object.keys(changes).filter((k) => !allowed.has(k));
  if (refused.length) {
    throw new ActionError(`${refused.join(', ')} cannot be edited on the web (Web Editable Fields: ${[...allowed.keys()].join(', ') || 'none'})`, 400);
  }
  return webDb.transaction(async (tx) => {
    const current = await tx.get<Record<string, unknown>>(`SELECT * FROM [Customer] WHERE [CustomerCode] = @code`, { code: customerCode });
    if (!current) throw new ActionError(`no web customer ${customerCode}`, 404);
    const changed = Object.entries(changes).filter(([k, v]) => (current[k] ?? null) !== v);
    if (!changed.length) return [];
    const sets = changed.map(([k], i) => `[${k}] = @v${i}`).join(', ');
    const params: Record<string, string | null> = { code: customerCode, at: now.toISOString() };
    changed.forEach(([, v], i) => (params[`v${i}`] = v));
    await tx.run(`UPDATE [Customer] SET ${sets}, [WebEditedAt] = @at, [PendingErpPush] = 1, [UpdatedAt] = @at WHERE [CustomerCode] = @code`, params);
    return changed.map(([k]) => k);
  });
}
