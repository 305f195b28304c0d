/**
 * B12 terminology as data, in one place (RULES.md section 7). Tests are identified by LOINC
 * code only, never by display text (RULES.md 2.2).
 */

export const LOINC_SYSTEM = 'http://loinc.org';

/** LOINC codes per analyte (RULES.md 7.1). */
export const ANALYTE_LOINC = {
  totalB12: ['2132-9', '14685-2'],
  activeB12: ['72160-5'],
  methylmalonicAcid: ['13964-2'],
  homocysteine: ['13965-9'],
  haemoglobin: ['718-7'],
  mcv: ['787-2', '30428-7'],
  platelets: ['777-3', '26515-7', '778-1', '49497-1', '13056-7'],
  serumFolate: ['2284-8', '14732-2'],
  redCellFolate: ['2283-0', '14731-4'],
  egfr: ['98979-8', '62238-1', '33914-3', '48642-3', '48643-1', '88293-6', '88294-4', '69405-9'],
  potassium: ['2823-3'],
  pregnancyStatus: ['82810-3'],
} as const satisfies Record<string, readonly string[]>;

export type Analyte = keyof typeof ANALYTE_LOINC;
