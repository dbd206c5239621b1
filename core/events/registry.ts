import type { EventName, IntegrationEvent } from './types.js';
import { customerMasterEvent } from './customerMaster.js';
import { ordersEvent } from './orders.js';
import { statementsEvent } from './statements.js';

/** Every integration event, by name. Each event file adds itself here. */
export const EVENTS: Partial<Record<EventName, IntegrationEvent>> = {
  'customer-master': customerMasterEvent,
  orders: ordersEvent,
  statements: statementsEvent,
};

export function getEvent(name: EventName): IntegrationEvent | undefined {
  return EVENTS[name];
}
