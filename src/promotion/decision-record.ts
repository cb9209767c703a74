/** The decisions file's shape is its contract (`src/contracts/decisions.ts`); promotion writes it. */
export type { DecisionRecord, DecisionsFile } from '../contracts/decisions.ts';
