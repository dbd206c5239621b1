// Disable / enable a web account (seed 004: "when disabled, no contacts attached to the account will be able to
// login"). IsDisabled = (ErpStatus in H, C) OR DisabledByAdmin: enabling never lifts an ERP hold or closure.
import type { CustomerAction } from './actionTypes.js';
import { ActionError } from './actionTypes.js';
import { describe, findCustomer } from './customerLookup.js';
import { listBlockedUsers } from './blockedUsers.js';

const ERP_DISABLED = ['H', 'C'];
const ERP_STATUS_TEXT: Record<string, string> = { H: 'on hold', C: 'closed' };

async function blockedBy(webDb: Parameters<typeof listBlockedUsers>[0], code: string): Promise<string[]> {
  return (await listBlockedUsers(webDb)).filter((u) => u.customers.includes(code)).map((u) => u.userId);
}

export const disableAction: CustomerAction = {
  description: 'disable a customer: its web users whose only customers are disabled cannot log in',
  async run(ctx, code) {
    const c = await findCustomer(ctx.webDb, code);
    if (c.DisabledByAdmin) throw new ActionError(`${describe(c)} is already disabled by an admin`);
    await ctx.webDb.run(`UPDATE [Customer] SET [DisabledByAdmin] = 1, [IsDisabled] = 1, [UpdatedAt] = @at WHERE [CustomerCode] = @code`, {
      code: c.CustomerCode,
      at: ctx.now().toISOString(),
    });
    const blocked = await blockedBy(ctx.webDb, c.CustomerCode);
    return `Customer ${c.CustomerCode} is disabled; ${blocked.length} web user${blocked.length === 1 ? ' is' : 's are'} now blocked${blocked.length ? ` (${blocked.join(', ')})` : ''}.`;
  },
};

export const enableAction: CustomerAction = {
  description: 'enable a customer an admin disabled (an ERP hold or closure keeps it disabled)',
  async run(ctx, code) {
    const c = await findCustomer(ctx.webDb, code);
    const erpDisabled = ERP_DISABLED.includes(String(c.ErpStatus ?? ''));
    if (!c.DisabledByAdmin) {
      throw new ActionError(
        erpDisabled
          ? `${describe(c)} is not disabled by an admin: it is disabled because the ERP has it ${ERP_STATUS_TEXT[c.ErpStatus!]}; change it in the ERP`
          : `${describe(c)} is not disabled`,
      );
    }
    await ctx.webDb.run(
      `UPDATE [Customer] SET [DisabledByAdmin] = 0, [IsDisabled] = CASE WHEN [ErpStatus] IN ('H', 'C') THEN 1 ELSE 0 END, [UpdatedAt] = @at WHERE [CustomerCode] = @code`,
      { code: c.CustomerCode, at: ctx.now().toISOString() },
    );
    if (erpDisabled) return `Customer ${c.CustomerCode} is no longer disabled by an admin, but stays disabled: the ERP has it ${ERP_STATUS_TEXT[c.ErpStatus!]}.`;
    return `Customer ${c.CustomerCode} is enabled.`;
  },
};
