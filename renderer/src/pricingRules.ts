// When the Test Pricing form can ask the integrator (SPEC 7: the listener on, the integrator in foreground mode).

/** Why Test Pricing cannot be asked right now, from the status; null when it can. */
export function pricingBlocker(status: { foreground: boolean; pricingListener: { enabled: boolean; url: string | null; error?: string | null } } | null): string | null {
  if (!status) return 'Waiting for the integrator status…';
  if (!status.pricingListener.enabled)
    return 'The live pricing listener is off. Tick "Enable Live Pricing/Availability Listener" on the Advanced tab, Apply, then restart the integrator.';
  if (!status.foreground)
    return 'Test Pricing needs the integrator running in foreground mode: tick "Foreground mode (for Test Pricing)" in the tray menu, or run integrator run --foreground.';
  if (status.pricingListener.error) return `The pricing listener is not serving: ${status.pricingListener.error}`;
  return null;
}
