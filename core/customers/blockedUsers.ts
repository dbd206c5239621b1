import type { Db } from '../db/db.js';

export interface BlockedUser {
  userId: string;
  email: string | null;
  customers: string[];
}

/**
 * Web users who cannot log in because every customer they are linked to is disabled (seed: "when disabled,
 * no contacts attached to the account will be able to login"). One set-based query.
 */
export async function listBlockedUsers(webDb: Db): Promise<BlockedUser[]> {
  const rows = await webDb.all<{ UserId: string; Email: string | null; CustomerCode: string }>(
    `SELECT u.[UserId], u.[Email], uc.[CustomerCode]
       FROM [WebUser] u
       JOIN [UserCustomer] uc ON uc.[UserId] = u.[UserId]
      WHERE NOT EXISTS (
              SELECT 1 FROM [UserCustomer] x
                JOIN [Customer] c ON c.[CustomerCode] = x.[CustomerCode]
               WHERE x.[UserId] = u.[UserId] AND c.[IsDisabled] = 0)
      ORDER BY u.[UserId], uc.[CustomerCode]`,
  );
  const byUser = new Map<string, BlockedUser>();
  for (const r of rows) {
    const u = byUser.get(r.UserId) ?? { userId: r.UserId, email: r.Email, customers: [] };
    u.customers.push(r.CustomerCode);
    byUser.set(r.UserId, u);
  }
  return [...byUser.values()];
}

/** Whether one user is blocked. */
export async function isUserBlocked(webDb: Db, userId: string): Promise<boolean> {
  return (await listBlockedUsers(webDb)).some((u) => u.userId === userId);
}
