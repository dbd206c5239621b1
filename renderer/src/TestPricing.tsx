// Test Pricing (SPEC 7): asks the running integrator's live pricing listener, as the web store would. On the
// Pricing tab, and inside the Live Pricing/Availability group of the Advanced tab as on the seed's screen.
import { useState } from 'react';
import type { z } from 'zod';
import type { TestPricingResponseSchema } from '../../core/contracts/adminApi.js';
import { Badge, Notice } from './components.js';
import { formatCount, formatDuration, formatPrice, priceSourceLabel } from './format.js';
import { pricingBlocker } from './pricingRules.js';
import { useApp } from './store.js';

type Answer = z.infer<typeof TestPricingResponseSchema>;

/** The seed's note beside the Test Pricing button. */
export const FOREGROUND_NOTE = 'Integrator needs to be running in foreground mode';

export function TestPricingForm({ compact = false }: { compact?: boolean }) {
  const api = useApp((s) => s.api);
  const status = useApp((s) => s.status);
  const failure = useApp((s) => s.failure);
  const [form, setForm] = useState({ product: '', warehouse: '', customer: '', quantity: '1' });
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const blocker = pricingBlocker(status);

  const submit = async () => {
    setError(null);
    setAnswer(null);
    const quantity = Number(form.quantity);
    if (!form.product.trim() || !form.warehouse.trim() || !form.customer.trim()) {
      setError('Enter a product, a warehouse and a customer.');
      return;
    }
    if (!Number.isFinite(quantity) || quantity <= 0) {
      setError('Quantity must be a number greater than 0.');
      return;
    }
    setBusy(true);
    try {
      setAnswer(await api.testPricing({ product: form.product.trim(), warehouse: form.warehouse.trim(), customer: form.customer.trim(), quantity }));
    } catch (err) {
      setError(failure(err));
    } finally {
      setBusy(false);
    }
  };

  const field = (key: keyof typeof form, label: string, extra?: { inputMode?: 'decimal'; placeholder?: string }) => (
    <label className="field">
      {label}
      <input
        name={key}
        value={form[key]}
        autoComplete="off"
        spellCheck={false}
        inputMode={extra?.inputMode}
        placeholder={extra?.placeholder}
        onChange={(e) => setForm({ ...form, [key]: e.target.value })}
      />
    </label>
  );

  // Inside the Advanced tab's form: a div, not a nested form; Enter in a field asks too.
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      if (!busy && blocker === null) void submit();
    }
  };

  return (
    <div className={compact ? 'test-pricing compact' : 'test-pricing'} data-testid={compact ? 'advanced-test-pricing' : 'test-pricing-form'}>
      {blocker && (
        <Notice tone="warn">
          <span data-testid="pricing-blocker">{blocker}</span>
        </Notice>
      )}
      <div className="pricing-form" role="group" aria-label="Test Pricing" onKeyDown={onKeyDown}>
        {field('product', 'Product', { placeholder: 'stock code' })}
        {field('warehouse', 'Warehouse', { placeholder: 'e.g. MEL' })}
        {field('customer', 'Customer', { placeholder: 'customer code' })}
        {field('quantity', 'Quantity', { inputMode: 'decimal' })}
        <div className="form-actions">
          <button type="button" className="primary" disabled={busy || blocker !== null} onClick={() => void submit()}>
            {busy ? 'Asking…' : 'Test Pricing'}
          </button>
          <span className="small muted">({FOREGROUND_NOTE})</span>
        </div>
      </div>
      {error && (
        <Notice tone="bad">
          <span data-testid="pricing-error">{error}</span>
        </Notice>
      )}
      {answer && (
        <div className="price-answer" data-testid="pricing-answer">
          <div className="price-big">
            {answer.unitPrice === null ? 'No price' : formatPrice(answer.unitPrice)}
            <span className="small muted"> per unit</span>
          </div>
          <dl className="facts">
            <div>
              <dt>Source</dt>
              <dd>{priceSourceLabel(answer.priceSource)}</dd>
            </div>
            <div>
              <dt>Availability</dt>
              <dd>
                {answer.available > 0 ? <Badge tone="ok">available</Badge> : <Badge tone="bad">unavailable</Badge>} {formatCount(answer.available)} available ·{' '}
                {formatCount(answer.onHand)} on hand at {answer.warehouse}
              </dd>
            </div>
            <div>
              <dt>Asked</dt>
              <dd>
                {answer.quantity} × {answer.product} for {answer.customer}
              </dd>
            </div>
            <div>
              <dt>Time taken</dt>
              <dd>{formatDuration(answer.tookMs)}</dd>
            </div>
          </dl>
        </div>
      )}
    </div>
  );
}
