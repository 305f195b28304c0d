import { addCounts, emptyForecast, finished, indicators, noBands } from './forecast-json.js';
import type { CardCount, Forecast } from './forecast-json.js';
import type { PatientOutcome } from './evaluate-patient.js';

/** The counts of a forecast, patient by patient, as outcomes come back from the workers. */
export class Tally {
  private readonly forecast: Forecast;
  private readonly cards = new Map<string, CardCount>();
  /** Patients added, the refused ones too. */
  evaluated = 0;

  constructor(header: Pick<Forecast, 'date' | 'hooks' | 'draft' | 'shard'>) {
    this.forecast = emptyForecast(header);
  }

  add(outcome: PatientOutcome): void {
    const { forecast } = this;
    const quality = forecast.dataQuality;
    const count = (record: Record<string, number>, key: string): void => {
      record[key] = (record[key] ?? 0) + 1;
    };
    this.evaluated++;
    if (outcome.refused !== undefined) {
      count(quality.notEvaluated, outcome.refused);
      return;
    }
    forecast.patients++;
    forecast.ageBands[outcome.ageBand]++;
    if (outcome.deceased) quality.deceased++;
    for (const reason of outcome.unusable) count(quality.unusableResults, reason);
    for (const code of outcome.byName) count(quality.recognisedByName, code);
    for (const card of outcome.cards) {
      const key = `${card.hook} ${card.code}`;
      let total = this.cards.get(key);
      if (total === undefined) {
        total = { ...card, patients: 0, per1000: 0, facts: {}, ageBands: noBands() };
        this.cards.set(key, total);
      }
      total.indicator = indicators(total.indicator, card.indicator);
      total.patients++;
      total.ageBands[outcome.ageBand]++;
      for (const fact of card.facts) count(total.facts, fact);
    }
  }

  /** Resources and patients the grouping could not evaluate. */
  addUngrouped(
    withoutPatient: Readonly<Record<string, number>>,
    withoutPatientResource: number,
  ): void {
    const quality = this.forecast.dataQuality;
    addCounts(quality.resourcesWithoutPatient, withoutPatient);
    quality.patientsWithoutPatientResource += withoutPatientResource;
  }

  result(): Forecast {
    return finished({ ...this.forecast, cards: [...this.cards.values()] });
  }
}
