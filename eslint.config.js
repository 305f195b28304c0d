import eslint from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The layering (docs/architecture.md), enforced: the B12 knowledge is entered only through
 * cds-services/b12/index.ts (test/b12 tests its modules one by one), only src/main mounts the
 * demo, and shipped code never imports tests.
 */
const KNOWLEDGE_ENTRY = {
  regex: '(^|/)cds-services/b12/(?!index\\.js$)',
  message: 'Import the B12 knowledge through cds-services/b12/index.js.',
};
const NO_DEMO = { regex: '(^|/)demo/', message: 'Only src/main mounts the demo.' };
const NO_TEST = { regex: '(^|/)test/', message: 'Shipped code never imports tests.' };
const RESTRICT = 'no-restricted-imports';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'coverage/',
      'fixtures/',
      'test-results/',
      'bench/results/',
      'dist/',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/explicit-function-return-type': [
        'error',
        {
          allowExpressions: true,
          allowTypedFunctionExpressions: true,
          allowHigherOrderFunctions: true,
        },
      ],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['src/**/*.ts'],
    rules: { [RESTRICT]: ['error', { patterns: [KNOWLEDGE_ENTRY, NO_DEMO, NO_TEST] }] },
  },
  // It mounts the demo page when DEMO_PAGE is on.
  {
    files: ['src/main/server.ts'],
    rules: { [RESTRICT]: ['error', { patterns: [KNOWLEDGE_ENTRY, NO_TEST] }] },
  },
  // test/b12 tests the knowledge layer's modules one by one; every other test goes through its entry.
  {
    files: ['test/**/*.ts'],
    ignores: ['test/b12/**'],
    rules: { [RESTRICT]: ['error', { patterns: [KNOWLEDGE_ENTRY] }] },
  },
  {
    files: ['bench/**/*.ts', 'scripts/**/*.ts', 'demo/**/*.ts'],
    rules: { [RESTRICT]: ['error', { patterns: [KNOWLEDGE_ENTRY] }] },
  },
  // The page's browser bundle cannot load the knowledge's entry (its value sets are read from
  // disk): it builds draft orders and prefetch keys from these two browser-safe modules only.
  {
    files: ['demo/client/**/*.ts'],
    rules: {
      [RESTRICT]: [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)cds-services/b12/(?!(drafts|prefetch-keys)\\.js$)',
              message: 'The browser bundle may use only drafts.js and prefetch-keys.js.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['cds-services/*.ts'],
    rules: {
      [RESTRICT]: [
        'error',
        {
          patterns: [
            {
              regex: '^\\./b12/(?!index\\.js$)',
              message: 'Import the B12 knowledge through ./b12/index.js.',
            },
          ],
        },
      ],
    },
  },
);
