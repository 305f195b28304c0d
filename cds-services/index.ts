import type { CdsService } from '../src/cds-hooks/service.js';
import { DEFAULT_CLINICAL_CONFIG } from './b12/index.js';
import type { ClinicalConfig } from './b12/index.js';
import { b12OrderSelect } from './b12-order-select.js';
import { b12OrderSign } from './b12-order-sign.js';
import { b12PatientView } from './b12-patient-view.js';

/** The service registry: discovery and routing are built from this list. */
export function b12Services(
  config: ClinicalConfig = DEFAULT_CLINICAL_CONFIG,
): readonly CdsService[] {
  return [b12PatientView(config), b12OrderSelect(config), b12OrderSign(config)];
}
