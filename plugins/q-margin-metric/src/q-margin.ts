/**
 * How decisive a network is while it solves its test trials: the mean, over the recorded trials and the
 * steps they ran, of the margin between the largest and the second-largest output (Q-value). Any family
 * works: the measure reads only the recorded outputs.
 */
import { PrnnError, forEachRecordedStep, type Metric } from '@prnn/agents';

/** Metric `q-margin`: mean gap between the best and second-best Q-value over the steps of the recorded test trials. */
export const qMarginMetric: Metric = {
  name: 'q-margin',
  description: 'mean margin between the best and the second-best Q-value over the recorded test trials',
  async measure({ trials }) {
    if (!trials) throw new PrnnError('q-margin needs recorded test trials (measure a run whose family offers its step)');
    const r = await trials();
    let sum = 0;
    let count = 0;
    forEachRecordedStep(r, (_t, _i, row) => {
      let best = -Infinity;
      let second = -Infinity;
      for (let k = 0, at = row * r.outputs; k < r.outputs; k++) {
        const q = r.outputValues[at + k];
        if (q > best) [second, best] = [best, q];
        else if (q > second) second = q;
      }
      sum += best - second;
      count++;
    });
    return count > 0 ? sum / count : Number.NaN;
  },
};
