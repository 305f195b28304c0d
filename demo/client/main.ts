import type { Card } from '../../src/cds-hooks/cards.js';
import type { ChartData } from '../chart-types.js';
import {
  DRAFT_KEYS,
  draftWording,
  isDraftKey,
  retargetWithDraft,
} from '../../cds-services/b12/drafts.js';
import { PREFETCH_RESOURCE_TYPES } from '../../cds-services/b12/prefetch-keys.js';
import { HOOKS, isHook } from '../../src/cds-hooks/hooks.js';
import { requestFromJson } from '../../src/cds-hooks/patient-bundle.js';
import type { HookRequestBody } from '../../src/cds-hooks/request-body.js';
import { renderCard } from './cards.js';
import { renderChart } from './chart.js';
import { byId, h } from './dom.js';

/** The demo EHR page: choose a patient, a hook and a draft order, fire, and read the cards. */

interface PatientEntry {
  id: string;
  label: string;
  hook: string;
  card?: string;
}

const patientSelect = byId('patient', HTMLSelectElement);
const hookSelect = byId('hook', HTMLSelectElement);
const draftSelect = byId('draft', HTMLSelectElement);
const pasted = byId('pasted', HTMLTextAreaElement);
const fire = byId('fire', HTMLButtonElement);
const status = byId('status', HTMLElement);
const cardsBox = byId('cards', HTMLElement);
const chartBox = byId('chart', HTMLElement);

let today = new Date().toISOString().slice(0, 10);

/** The draft choice that keeps the request's own draft orders. */
const OWN_DRAFTS = '';

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  const text = await response.text();
  if (!response.ok) {
    let message = text;
    try {
      const outcome = JSON.parse(text) as { issue?: { diagnostics?: string }[] };
      message = outcome.issue?.map((issue) => issue.diagnostics).join('; ') ?? text;
    } catch {
      // not JSON: the text as it came
    }
    throw new Error(`${String(response.status)} ${message}`);
  }
  // The feedback endpoint answers 200 with no body.
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

const postJson = <T>(url: string, body: unknown): Promise<T> =>
  getJson<T>(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

function syncDraft(): void {
  const needsDraft = hookSelect.value !== 'patient-view';
  draftSelect.disabled = !needsDraft;
  draftSelect.closest('label')?.classList.toggle('disabled', !needsDraft);
}

async function sourceRequest(): Promise<HookRequestBody> {
  const text = pasted.value.trim();
  if (text !== '') return requestFromJson(JSON.parse(text), PREFETCH_RESOURCE_TYPES);
  const [folder, name] = patientSelect.value.split('/');
  return requestFromJson(
    await getJson(
      `api/patients/${encodeURIComponent(folder ?? '')}/${encodeURIComponent(name ?? '')}`,
    ),
    PREFETCH_RESOURCE_TYPES,
  );
}

async function fireHook(): Promise<void> {
  fire.disabled = true;
  status.textContent = 'Calling the service…';
  cardsBox.replaceChildren();
  chartBox.replaceChildren();
  try {
    const hook = hookSelect.value;
    const draft = draftSelect.value;
    if (!isHook(hook)) throw new Error(`unknown hook ${hook}`);
    const request = retargetWithDraft(await sourceRequest(), {
      hook,
      draft: isDraftKey(draft) ? draft : undefined,
      today,
    });
    const serviceId = `b12-${hook}`;
    const started = performance.now();
    // The chart is drawn beside the cards; without it the cards still show.
    const chart = postJson<ChartData>('api/chart', request).then(
      (data) => renderChart(data, Math.max(chartBox.clientWidth, 560)),
      (error: unknown) => h('p', { class: 'no-cards' }, `No chart: ${(error as Error).message}`),
    );
    const response = await postJson<{ cards: Card[] }>(`../cds-services/${serviceId}`, request);
    const elapsed = Math.round(performance.now() - started);
    const send = async (feedback: Record<string, unknown>): Promise<void> => {
      await postJson(`../cds-services/${serviceId}/feedback`, { feedback: [feedback] });
    };
    cardsBox.replaceChildren(
      ...(response.cards.length === 0
        ? [
            h(
              'p',
              { class: 'no-cards' },
              'No cards: nothing to advise for this patient on this hook.',
            ),
          ]
        : response.cards.map((card) => renderCard(card, send))),
    );
    chartBox.replaceChildren(await chart);
    status.textContent = `${serviceId}: ${String(response.cards.length)} card(s) in ${String(elapsed)} ms (hookInstance ${request.hookInstance})`;
  } catch (error) {
    status.textContent = `Failed: ${(error as Error).message}`;
  } finally {
    fire.disabled = false;
  }
}

async function start(): Promise<void> {
  for (const hook of HOOKS) hookSelect.append(h('option', { value: hook }, hook));
  draftSelect.append(h('option', { value: OWN_DRAFTS }, 'The request’s own draft orders'));
  for (const key of DRAFT_KEYS) {
    const { product, schedule } = draftWording(key);
    draftSelect.append(h('option', { value: key }, `${product}: ${schedule}`));
  }
  const listing = await getJson<{ today: string; patients: PatientEntry[] }>('api/patients');
  today = listing.today;
  for (const patient of listing.patients) {
    const shows = patient.card === undefined ? patient.hook : `${patient.card}, ${patient.hook}`;
    patientSelect.append(
      h('option', { value: patient.id, 'data-hook': patient.hook }, `${patient.label} (${shows})`),
    );
  }
  const followPatient = (): void => {
    // A fixture opens on its own hook; an order fixture keeps its own draft orders.
    const hook = patientSelect.selectedOptions[0]?.dataset.hook;
    if (hook !== undefined && isHook(hook)) hookSelect.value = hook;
    draftSelect.value = hook === 'patient-view' ? (DRAFT_KEYS[0] ?? OWN_DRAFTS) : OWN_DRAFTS;
    syncDraft();
  };
  patientSelect.addEventListener('change', followPatient);
  hookSelect.addEventListener('change', syncDraft);
  byId('request-form', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    void fireHook();
  });
  followPatient();
  status.textContent = `${String(listing.patients.length)} fixture patients; evaluation date ${today}.`;
}

void start();
