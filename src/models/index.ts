import { CANDIDATES, type CandidateKind } from '../core/vocabulary.ts';
import { ARX_VERSION, arxFactory, loadArx } from './arx.ts';
import { COMBO_VERSION, comboFactory, loadCombo } from './combo.ts';
import { ETS_VERSION, etsFactory, loadEts } from './ets.ts';
import { INTERMITTENT_VERSION, intermittentFactory, loadIntermittent } from './intermittent.ts';
import { loadMean, MEAN_VERSION, meanFactory } from './mean.ts';
import {
  loadNaive,
  loadSeasonalNaive,
  NAIVE_VERSION,
  naiveFactory,
  SEASONAL_NAIVE_VERSION,
  seasonalNaiveFactory,
} from './naive.ts';
import { loadRidge, RIDGE_VERSION, ridgeFactory } from './ridge.ts';
import { type FittedModel, ModelError, type ModelFactory, type ModelState } from './types.ts';

export type {
  FittedModel,
  Forecast,
  ForecastRequest,
  ModelFactory,
  ModelState,
  SeriesContext,
} from './types.ts';
export { ModelError } from './types.ts';

/** Every candidate kind's factory; the engine fits `MODEL_FACTORIES[kind]` for each configured candidate. */
export const MODEL_FACTORIES: Record<CandidateKind, ModelFactory> = {
  naive: naiveFactory,
  seasonal_naive: seasonalNaiveFactory,
  mean: meanFactory,
  ridge: ridgeFactory,
  ets: etsFactory,
  arx: arxFactory,
  intermittent: intermittentFactory,
  combo: comboFactory,
};

/** The state layout version each kind writes and reads. */
export const MODEL_VERSIONS: Record<CandidateKind, number> = {
  naive: NAIVE_VERSION,
  seasonal_naive: SEASONAL_NAIVE_VERSION,
  mean: MEAN_VERSION,
  ridge: RIDGE_VERSION,
  ets: ETS_VERSION,
  arx: ARX_VERSION,
  intermittent: INTERMITTENT_VERSION,
  combo: COMBO_VERSION,
};

const LOADERS: Record<CandidateKind, (params: unknown) => FittedModel> = {
  naive: loadNaive,
  seasonal_naive: loadSeasonalNaive,
  mean: loadMean,
  ridge: loadRidge,
  ets: loadEts,
  arx: loadArx,
  intermittent: loadIntermittent,
  combo: (params) => loadCombo(params, loadModel),
};

function isKind(kind: unknown): kind is CandidateKind {
  return typeof kind === 'string' && (CANDIDATES as readonly string[]).includes(kind);
}

/**
 * Rebuilds a fitted model from its saved state (an artifact's `model` or `baselineModel`). Its forecasts are
 * bit-identical to those of the model the state was saved from. An unknown kind, a version this code does not
 * read, or a malformed state is a `ModelError` that says which.
 */
export function loadModel(state: ModelState): FittedModel {
  if (state === null || typeof state !== 'object') throw new ModelError('model state must be an object');
  const { kind, version, params } = state as Partial<ModelState>;
  if (!isKind(kind)) {
    throw new ModelError(`unknown model kind ${JSON.stringify(kind)}; known kinds: ${CANDIDATES.join(', ')}`);
  }
  const expected = MODEL_VERSIONS[kind];
  if (version !== expected) {
    throw new ModelError(
      `${kind} model state has version ${JSON.stringify(version)}, this code reads version ${expected}; retrain the model`,
    );
  }
  return LOADERS[kind](params);
}
