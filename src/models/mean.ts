import { z } from 'zod';
import { FlatModel } from './flat.ts';
import { output } from './series-math.ts';
import { finite, parseParams } from './state.ts';
import { type FittedModel, ModelError, type ModelFactory } from './types.ts';

/**
 * The historical mean of the last season of observations: the benchmark that repeating one noisy value (naive)
 * is not. On a series without signal it is the best possible forecast, so a model that only beats naive there
 * has learned nothing; making it part of the baseline keeps the promotion gate honest.
 */
export const MEAN_VERSION = 1;

const meanSchema = z.object({
  mean: finite,
  window: z.number().int().min(1),
  features: z.number().int().min(0),
});
type MeanParams = z.infer<typeof meanSchema>;

const newMean = (params: MeanParams): FittedModel =>
  new FlatModel('mean', MEAN_VERSION, params, (p) => p.mean);

export const meanFactory: ModelFactory = {
  kind: 'mean',
  fit(series, context) {
    const { y } = series;
    const window = Math.max(1, context.seasonLength);
    let sum = 0;
    let count = 0;
    for (let i = y.length - 1; i >= 0 && count < window; i--) {
      if (Number.isFinite(y[i]!)) {
        sum += y[i]!;
        count++;
      }
    }
    if (count === 0) throw new ModelError('the series has no observed (non-missing) values');
    return newMean({ mean: output(sum / count, false), window, features: context.features.length });
  },
};

export function loadMean(params: unknown): FittedModel {
  return newMean(parseParams('mean', MEAN_VERSION, meanSchema, params));
}
