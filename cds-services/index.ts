import type { CdsService } from '../src/cds/service.js';
import { b12OrderSelect } from './b12-order-select.js';
import { b12OrderSign } from './b12-order-sign.js';
import { b12PatientView } from './b12-patient-view.js';

/** The service registry: discovery and routing are built from this list. */
export const services: readonly CdsService[] = [b12PatientView, b12OrderSelect, b12OrderSign];
