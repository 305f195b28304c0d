import type { Rule } from '../rule.js';

export const testingRules: readonly Rule[] = [];
