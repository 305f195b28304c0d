import type { Rule } from '../rule.js';

export const interpretationRules: readonly Rule[] = [];
