import type { Rule } from '../rule.js';

export const injectionSafetyRules: readonly Rule[] = [];
