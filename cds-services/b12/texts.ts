/**
 * The rule book's shared text blocks (RULES.md 5.0), used verbatim wherever a card names them;
 * each is named for what it says, and its comment gives its rule-book name (R-LOAD, ...).
 * Regimens are the UK defaults (BNF hydroxocobalamin 1 mg IM); the FDA cyanocobalamin label
 * regimen appears only as R-US, which (with R-ORAL and R-DIET in full) the guidance page shows
 * rather than a card's detail (RULES.md 10.9.4).
 */

/** R-LOAD. BNF; NICE CKS allows maintenance every 2–3 months. */
export const LOADING_REGIMEN =
  'Hydroxocobalamin 1 mg IM three times a week for 2 weeks, then 1 mg every 3 months (BNF; NICE CKS allows every 2–3 months), lifelong unless the cause is dietary and corrected.';

/** R-NEURO. BNF; urgent specialist advice per BSH 2014 and NICE NG239. */
export const NEUROLOGICAL_REGIMEN =
  'Hydroxocobalamin 1 mg IM on alternate days until no further improvement, then 1 mg every 2 months (BNF). Seek urgent specialist advice (haematology, and neurology if needed) today. Do not wait for MMA or intrinsic factor antibody results.';

/** R-ORAL. NICE NG239; AJCN 2024; BSH 2014. */
export const ORAL_ALTERNATIVE =
  'Oral alternative if there are no neurological features and injections are unsuitable or declined: cyanocobalamin 1 mg (1000 micrograms) orally once daily; NICE NG239: at least 1 mg daily when malabsorption is possible.';

/** R-DIET: maintenance once a dietary cause is corrected. BNF. */
export const DIETARY_MAINTENANCE =
  'Diet-related deficiency: after correction, oral cyanocobalamin 50–150 micrograms daily between meals (BNF) or hydroxocobalamin 1 mg twice a year.';

/** R-US. FDA cyanocobalamin label. */
export const US_LABEL_REGIMEN =
  'US label alternative: cyanocobalamin 100 micrograms IM or deep SC daily for 6–7 days, then on alternate days for 7 doses, then every 3–4 days for 2–3 weeks, then 100 micrograms monthly for life (FDA label).';

/** R-FOLATE. BNF; FDA labels. */
export const FOLIC_ACID_ALONE_WARNING =
  'Never give folic acid alone before B12 treatment has started: folic acid can correct the anaemia while subacute combined degeneration of the spinal cord progresses (BNF; FDA labels).';

/** R-K. FDA cyanocobalamin and US hydroxocobalamin labels. */
export const POTASSIUM_CHECK =
  'Check serum potassium during the first 48 hours of treatment: hypokalaemia can occur when severe megaloblastic anaemia is treated (FDA cyanocobalamin and US hydroxocobalamin labels).';

/** R-IFAB. */
export const INTRINSIC_FACTOR_ANTIBODY_ADVICE =
  'Test intrinsic factor antibodies to look for autoimmune gastritis (pernicious anaemia); this can be done after treatment starts.';
