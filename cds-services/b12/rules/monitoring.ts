import type { Rule } from '../rule.js';

export const monitoringRules: readonly Rule[] = [];
