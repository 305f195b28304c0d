import type { Rule } from '../rule.js';

export const folateSafetyRules: readonly Rule[] = [];
