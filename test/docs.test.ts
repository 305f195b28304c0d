import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  B12_PREFETCH,
  clinicalConfigFrom,
  DEFAULT_DATA_RULES,
  DEFAULT_THRESHOLDS,
} from '../cds-services/b12/index.js';
import { b12Services } from '../cds-services/index.js';
import { trustedClientsFrom } from '../src/http/auth/trusted-clients.js';
import { CONFIG_VARIABLES } from '../src/main/config.js';

/** The operator and integrator documentation must keep up with the code it describes. */

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const configuration = read('docs/configuration.md');
const integration = read('docs/integration.md');

/** The cells of the table row whose first cell is `` `key` ``, or undefined. */
function tableRow(markdown: string, key: string): string[] | undefined {
  const line = markdown.split('\n').find((row) => row.startsWith(`| \`${key}\``));
  return line
    ?.split('|')
    .slice(1, -1)
    .map((cell) => cell.trim());
}

function codeBlocks(markdown: string, language: string): string[] {
  return [...markdown.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map(
    (match) => match[1] ?? '',
  );
}

describe('docs/configuration.md', () => {
  it.each(CONFIG_VARIABLES)(
    'documents the environment variable %s in its own table row',
    (name) => {
      expect(tableRow(configuration, name)).toBeDefined();
    },
  );

  it.each(Object.entries(DEFAULT_THRESHOLDS))(
    'documents the threshold %s with its default %s',
    (key, value) => {
      expect(tableRow(configuration, key)?.[1]).toBe(String(value));
    },
  );

  it.each(
    Object.entries(DEFAULT_DATA_RULES).filter(
      ([key]) => key !== 'lookbackDays' && key !== 'localCodes',
    ),
  )('documents the data rule %s with its default %s', (key, value) => {
    expect(tableRow(configuration, key)?.[1]).toBe(String(value));
  });

  it.each(Object.entries(DEFAULT_DATA_RULES.lookbackDays))(
    'documents the lookback window of %s with its default of %s days',
    (analyte, days) => {
      expect(tableRow(configuration, `lookbackDays.${analyte}`)?.[1]).toBe(String(days));
    },
  );

  it('documents localCodes, empty by default', () => {
    expect(DEFAULT_DATA_RULES.localCodes).toEqual([]);
    expect(tableRow(configuration, 'localCodes')?.[1]).toBe('`[]`');
  });

  it('gives override examples that the clinical configuration parser accepts', () => {
    const examples = codeBlocks(configuration, 'json');
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples)
      expect(() => clinicalConfigFrom(JSON.parse(example))).not.toThrow();
  });
});

describe('docs/integration.md', () => {
  it.each(Object.entries(B12_PREFETCH))(
    'gives the %s prefetch template exactly as the services declare it',
    (_key, template) => {
      expect(codeBlocks(integration, 'text').map((block) => block.trim())).toContain(template);
    },
  );

  it.each(b12Services().map((service) => [service.id, service.hook]))(
    'lists the service %s and its hook %s',
    (id, hook) => {
      const row = tableRow(integration, id);
      expect(row?.[1]).toBe(`\`${hook}\``);
    },
  );

  it('gives trusted-clients examples that the trusted-clients parser accepts', () => {
    const files = codeBlocks(integration, 'json').filter((block) => block.trim().startsWith('['));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(trustedClientsFrom(JSON.parse(file)).size).toBeGreaterThan(0);
  });
});

describe('README.md', () => {
  it('links the configuration and integration guides', () => {
    const readme = read('README.md');
    expect(readme).toContain('(docs/configuration.md)');
    expect(readme).toContain('(docs/integration.md)');
  });
});
