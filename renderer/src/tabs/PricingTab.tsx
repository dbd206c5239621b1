import { useState } from 'react';
import type { z } from 'zod';
import type { TestPricingResponseSchema } from '../../../core/contracts/adminApi.js';
import { Badge, Notice, Section } from '../components.js';
import { formatCount, formatDuration, formatPrice, priceSourceLabel } from '../format.js';
import { pricingBlocker } from '../pricingRules.js';
import { useApp } from '../store.js';

type Answer = z.infer<typeof TestPricingResponseSchema>;

export function PricingTab() {
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

  return (
    <div className="stack narrow-page">
      <Section title="Test Pricing" id="test-pricing">
        <p className="small muted">Asks the running integrator&apos;s live pricing listener, exactly as the web store would.</p>
        {blocker && (
          <Notice tone="warn">
            <span data-testid="pricing-blocker">{blocker}</span>
          </Notice>
        )}
        <form
          className="pricing-form"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          {field('product', 'Product', { placeholder: 'stock code' })}
          {field('warehouse', 'Warehouse', { placeholder: 'e.g. MEL' })}
          {field('customer', 'Customer', { placeholder: 'customer code' })}
          {field('quantity', 'Quantity', { inputMode: 'decimal' })}
          <div className="form-actions">
            <button type="submit" className="primary" disabled={busy || blocker !== null}>
              {busy ? 'Asking…' : 'Test Pricing'}
            </button>
          </div>
        </form>
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
      </Section>
    </div>
  );
}
