import type { Rule } from '../rule.js';

export const treatmentRules: readonly Rule[] = [];
