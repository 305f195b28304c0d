import { defineService } from '../src/cds-hooks/service.js';
import type { CdsService } from '../src/cds-hooks/service.js';
import { B12_PREFETCH, b12Advice } from './b12/index.js';
import type { ClinicalConfig } from './b12/index.js';

export const b12PatientView = (config: ClinicalConfig): CdsService =>
  defineService({
    id: 'b12-patient-view',
    hook: 'patient-view',
    title: 'Vitamin B12 deficiency: testing and treatment',
    description:
      'When a chart is opened, recommends B12 testing for adults with symptoms or risk factors (metformin, acid suppression, gastric or ileal surgery, age), interprets indeterminate and low results, and proposes hydroxocobalamin regimens, with or without neurological involvement (NICE NG239).',
    usageRequirements:
      'Adults (16 and over). Needs the Patient, B12-related laboratory Observations, MedicationRequests and Conditions, through prefetch or FHIR server access.',
    prefetch: B12_PREFETCH,
    handler: b12Advice(config),
  });
