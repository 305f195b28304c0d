import { defineService } from '../src/cds-hooks/service.js';
import type { CdsService } from '../src/cds-hooks/service.js';
import { B12_PREFETCH, b12Advice } from './b12/index.js';
import type { ClinicalConfig } from './b12/index.js';

export const b12OrderSign = (config: ClinicalConfig): CdsService =>
  defineService({
    id: 'b12-order-sign',
    hook: 'order-sign',
    title: 'Vitamin B12 order safety (order signing)',
    description:
      'Before orders are signed, checks every draft order for folic acid given before B12 deficiency is excluded or treated, intramuscular B12 with low platelets, cyanocobalamin in renal impairment and severe anaemia needing potassium monitoring or urgent assessment.',
    usageRequirements: 'Needs the same patient data as b12-patient-view.',
    prefetch: B12_PREFETCH,
    handler: b12Advice(config),
  });
