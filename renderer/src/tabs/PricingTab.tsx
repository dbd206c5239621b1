import { Section } from '../components.js';
import { TestPricingForm } from '../TestPricing.js';

export function PricingTab() {
  return (
    <div className="stack narrow-page">
      <Section title="Test Pricing" id="test-pricing">
        <p className="small muted">Asks the running integrator&apos;s live pricing listener, exactly as the web store would.</p>
        <TestPricingForm />
      </Section>
    </div>
  );
}
