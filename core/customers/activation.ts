// Mark Active (SPEC 6): Inactive -> PendingGetOrders; the next Get Orders run brings the customer's orders
// and makes it Active.
import type { CustomerAction } from './actionTypes.js';
import { ActionError } from './actionTypes.js';

export const activateAction: CustomerAction = {
  description: 'mark the customer active: its orders and statements are integrated from the next Get Orders run',
  async run(ctx, customerCode) {
    const code = customerCode.trim();
    const row = await ctx.webDb.get<{ Name: string | null; ActiveStatus: string }>(`SELECT [Name], [ActiveStatus] FROM [Customer] WHERE [CustomerCode] = @code`, { code });
    if (!row) throw new ActionError(`customer ${code} is not in the web database`, 404);
    const who = row.Name ? `${code} (${row.Name})` : code;
    if (row.ActiveStatus === 'Active') throw new ActionError(`customer ${who} is already active`, 409);
    if (row.ActiveStatus === 'PendingGetOrders') return `Customer ${who} is already marked active; its data arrives with the next Get Orders run.`;
    const r = await ctx.webDb.run(
      `UPDATE [Customer] SET [ActiveStatus] = 'PendingGetOrders', [UpdatedAt] = @at WHERE [CustomerCode] = @code AND [ActiveStatus] = 'Inactive'`,
      { code, at: ctx.now().toISOString() },
    );
    if (r.changes !== 1) throw new ActionError(`customer ${who} changed while being activated; try again`, 409);
    return `Customer ${who} marked active (PendingGetOrders); its orders and statements arrive with the next Get Orders run.`;
  },
};
