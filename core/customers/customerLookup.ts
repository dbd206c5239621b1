import type { Db } from '../db/db.js';
import { ActionError } from './actionTypes.js';

export interface CustomerState {
  CustomerCode: string;
  Name: string | null;
  ActiveStatus: string;
  CrmStatus: string | null;
  Source: string;
  ErpStatus: string | null;
  IsDisabled: number;
  DisabledByAdmin: number;
  WebCode: string | null;
}

/**
 * One web customer by its code, or by the code the web created it under (an approved CRM customer carries its
 * ERP code afterwards, so the code an admin typed before keeps finding it). 404 ActionError when there is none.
 */
export async function findCustomer(webDb: Db, code: string): Promise<CustomerState> {
  const cols = `[CustomerCode], [Name], [ActiveStatus], [CrmStatus], [Source], [ErpStatus], [IsDisabled], [DisabledByAdmin], [WebCode]`;
  const row =
    (await webDb.get<CustomerState>(`SELECT ${cols} FROM [Customer] WHERE [CustomerCode] = @code`, { code })) ??
    (await webDb.get<CustomerState>(`SELECT ${cols} FROM [Customer] WHERE [WebCode] = @code ORDER BY [CustomerCode]`, { code }));
  if (!row) throw new ActionError(`there is no web customer ${code}`, 404);
  return row;
}

export const describe = (c: CustomerState): string => `customer ${c.CustomerCode}${c.Name ? ` (${c.Name})` : ''}`;
