import { defineService } from '../src/cds-hooks/service.js';
import type { CdsService } from '../src/cds-hooks/service.js';
import { B12_PREFETCH, b12Advice } from './b12/index.js';
import type { ClinicalConfig } from './b12/index.js';

export const b12OrderSelect = (config: ClinicalConfig): CdsService =>
  defineService({
    id: 'b12-order-select',
    hook: 'order-select',
    title: 'Vitamin B12 order safety (order selection)',
    description:
      'When a medication is selected, warns if folic acid is ordered before B12 deficiency is excluded or treated, if platelets are too low for an intramuscular B12 injection, if cyanocobalamin is chosen in renal impairment, and if severe anaemia needs potassium monitoring or urgent assessment.',
    usageRequirements:
      'Looks at the selected draft orders; other draft orders are context. Needs the same patient data as b12-patient-view.',
    prefetch: B12_PREFETCH,
    handler: b12Advice(config),
  });
