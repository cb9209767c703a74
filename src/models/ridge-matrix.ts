import type { Frequency } from '../core/vocabulary.ts';
import { calendarColumn } from './calendar-columns.ts';
import { COVARIATE, type CompiledColumns, LAG, TREND } from './ridge-design.ts';

/**
 * The ridge fit's regression problem: which periods can be rows, and the column-major design over them. Kept
 * apart from the model so `fit` reads as its steps and the hot loops are tested through it.
 */

/** The periods with an observed target, full lags and observed covariates for every chosen column. */
export function completeRows(
  z: Float64Array,
  xs: readonly ArrayLike<number>[],
  columns: CompiledColumns,
): Int32Array {
  const n = z.length;
  const rowIndex = new Int32Array(n);
  let rows = 0;
  for (let t = columns.maxLag; t < n; t++) {
    if (!Number.isFinite(z[t]!)) continue;
    let ok = true;
    for (let c = 0; c < columns.codes.length && ok; c++) {
      if (columns.codes[c] === COVARIATE) ok = Number.isFinite(xs[columns.args[c]!]![t]!);
    }
    if (ok) rowIndex[rows++] = t;
  }
  return rowIndex.subarray(0, rows);
}

export interface Design {
  /** Column-major, `kept.length` columns of `rows` values. */
  matrix: Float64Array;
  /** The names of the columns left after dropping constant ones. */
  kept: string[];
  rows: number;
  /** The target on the fitted scale at each row. */
  response: Float64Array;
}

export interface DesignInput {
  names: readonly string[];
  columns: CompiledColumns;
  rowIndex: Int32Array;
  /** The target on the fitted scale with gaps filled: the lag values. */
  filled: Float64Array;
  /** The target on the fitted scale: the response. */
  z: Float64Array;
  xs: readonly ArrayLike<number>[];
  time: Int32Array;
  frequency: Frequency;
  /** Where to write the matrix (at least names x rows long; every value read is written); a new array if absent. */
  into?: Float64Array;
}

/** Fills the design; a constant column is dropped (it would only duplicate the intercept). */
export function buildDesign(input: DesignInput): Design {
  const { names, columns, rowIndex, filled, xs, time, frequency } = input;
  const rows = rowIndex.length;
  const kept: string[] = [];
  const design = input.into ?? new Float64Array(names.length * rows);
  let p = 0;
  for (let c = 0; c < names.length; c++) {
    const code = columns.codes[c]!;
    const arg = columns.args[c]!;
    const o = p * rows;
    if (code === LAG) for (let i = 0; i < rows; i++) design[o + i] = filled[rowIndex[i]! - arg]!;
    else if (code === COVARIATE) {
      const x = xs[arg]!;
      for (let i = 0; i < rows; i++) design[o + i] = x[rowIndex[i]!]!;
    } else if (code === TREND) for (let i = 0; i < rows; i++) design[o + i] = rowIndex[i]!;
    else {
      const values = calendarColumn(code, arg, time, frequency);
      for (let i = 0; i < rows; i++) design[o + i] = values[rowIndex[i]!]!;
    }
    if (!isConstant(design, o, rows)) {
      kept.push(names[c]!);
      p++;
    }
  }
  const response = new Float64Array(rows);
  for (let i = 0; i < rows; i++) response[i] = input.z[rowIndex[i]!]!;
  return { matrix: design.subarray(0, p * rows), kept, rows, response };
}

function isConstant(design: Float64Array, offset: number, rows: number): boolean {
  let lo = design[offset]!;
  let hi = lo;
  for (let i = 1; i < rows; i++) {
    const v = design[offset + i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return !(hi - lo > 1e-12 * (1 + Math.abs(lo)));
}
