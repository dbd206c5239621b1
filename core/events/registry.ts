import type { EventName, IntegrationEvent } from './types.js';
import { conversionsEvent } from './conversions.js';

/** Every integration event, by name. Each event file adds itself here. */
export const EVENTS: Partial<Record<EventName, IntegrationEvent>> = {};
EVENTS.conversions = conversionsEvent;

export function getEvent(name: EventName): IntegrationEvent | undefined {
  return EVENTS[name];
}

import { webAccountsEvent } from './webAccounts.js';
EVENTS['web-accounts'] = webAccountsEvent;
