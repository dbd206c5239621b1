// Customers (search, one customer, the actions of the action table), blocked users, customer conversions.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { API, CUSTOMER_ACTIONS as CUSTOMER_ACTION_NAMES, CustomersQuerySchema } from '../../contracts/adminApi.js';
import { CUSTOMER_ACTIONS } from '../../customers/actions.js';
import { listBlockedUsers } from '../../customers/blockedUsers.js';
import { getCustomer, listCustomers } from '../../customers/customerList.js';
import { HttpError } from '../httpError.js';
import { listConversions } from '../queries.js';
import type { AdminContext } from './context.js';

const ConversionsQuerySchema = z.object({ status: z.enum(['Pending', 'Processed', 'Failed']).optional(), limit: z.coerce.number().int().min(1).max(2000).optional() });

export function registerCustomerRoutes(app: FastifyInstance, { integrator, logger }: AdminContext): void {
  app.get(API.customers, async (req) => {
    const q = CustomersQuerySchema.parse(req.query ?? {});
    return integrator.withWeb((db) => listCustomers(db, q));
  });

  // By its code or the code the web created it under (an approval gives it its ERP code); 404 when none.
  app.get('/api/customers/:code', async (req) => {
    const { code } = req.params as { code: string };
    return { customer: await integrator.withWeb((db) => getCustomer(db, code)) };
  });

  app.post('/api/customers/:code/:action', async (req) => {
    const { code, action: actionName } = req.params as { code: string; action: string };
    // Own entries only: "__proto__", "constructor" or "toString" name what every object has, not an action.
    const action = Object.hasOwn(CUSTOMER_ACTIONS, actionName) ? CUSTOMER_ACTIONS[actionName] : undefined;
    if (!action) {
      const known = (CUSTOMER_ACTION_NAMES as readonly string[]).includes(actionName);
      throw new HttpError(known ? 501 : 404, known ? `customer action "${actionName}" is not available in this edition` : `unknown customer action "${actionName}" (one of: ${Object.keys(CUSTOMER_ACTIONS).join(', ') || 'none'})`);
    }
    return integrator.withWeb(async (webDb) => {
      const message = await action.run(
        {
          webDb,
          erpDb: () => integrator.borrow('erp'),
          settings: integrator.applied,
          logger: logger.child({ action: actionName, customer: code }),
          now: () => new Date(),
        },
        code,
      );
      logger.info({ action: actionName, customer: code }, message);
      return { customer: await getCustomer(webDb, code), message };
    });
  });

  app.get(API.blockedUsers, async () => ({ users: await integrator.withWeb((db) => listBlockedUsers(db)) }));

  app.get(API.conversions, async (req) => {
    const q = ConversionsQuerySchema.parse(req.query ?? {});
    return integrator.withWeb((db) => listConversions(db, { status: q.status, limit: q.limit ?? 500 }));
  });
}
