import type { EventName, IntegrationEvent } from './types.js';
import { customerMasterEvent } from './customerMaster.js';
import { conversionsEvent } from './conversions.js';
import { ordersEvent } from './orders.js';
import { statementsEvent } from './statements.js';
import { webAccountsEvent } from './webAccounts.js';

/** Every integration event, by name. Each event file adds one line here. */
export const EVENTS: Partial<Record<EventName, IntegrationEvent>> = {
  'customer-master': customerMasterEvent,
  conversions: conversionsEvent,
  orders: ordersEvent,
  statements: statementsEvent,
  'web-accounts': webAccountsEvent,
};

export function getEvent(name: EventName): IntegrationEvent | undefined {
  return EVENTS[name];
}
