/**
 * Ridge regression by the normal equations: columns are centred and scaled to unit variance, the intercept
 * is left unpenalised, and the penalty is picked from a small grid by generalised cross-validation (GCV), so
 * a series with real structure gets a light touch and pure noise gets shrunk towards its mean. Everything
 * after the cross-products works on p x p matrices, so the grid costs next to nothing.
 */

/** Penalties tried, relative to the number of rows (columns are standardised, so X'X has n on its diagonal). */
const LAMBDA_GRID = [1e-4, 1e-3, 1e-2, 1e-1, 1, 10];

export interface RidgeFit {
  intercept: number;
  /** Coefficients on the columns' original (unscaled) units. */
  coef: Float64Array;
  /** The chosen penalty, relative to the number of rows. */
  lambda: number;
}

/**
 * In-place Cholesky factorisation of a symmetric positive-definite p x p matrix (row-major, lower triangle
 * written). Returns false when the matrix is not positive definite.
 */
export function cholesky(a: Float64Array, p: number): boolean {
  for (let j = 0; j < p; j++) {
    let d = a[j * p + j]!;
    for (let k = 0; k < j; k++) d -= a[j * p + k]! ** 2;
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    a[j * p + j] = ljj;
    for (let i = j + 1; i < p; i++) {
      let s = a[i * p + j]!;
      for (let k = 0; k < j; k++) s -= a[i * p + k]! * a[j * p + k]!;
      a[i * p + j] = s / ljj;
    }
  }
  return true;
}

/** Solves L L' x = b in place in `b`, with L from `cholesky`. */
export function choleskySolve(l: Float64Array, p: number, b: Float64Array): void {
  for (let i = 0; i < p; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * p + k]! * b[k]!;
    b[i] = s / l[i * p + i]!;
  }
  for (let i = p - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < p; k++) s -= l[k * p + i]! * b[k]!;
    b[i] = s / l[i * p + i]!;
  }
}

/** trace(A^-1) from A's Cholesky factor: the squared Frobenius norm of L^-1. */
function traceOfInverse(l: Float64Array, p: number, work: Float64Array): number {
  let trace = 0;
  for (let c = 0; c < p; c++) {
    // Forward-solve L w = e_c; entries above c are zero.
    for (let i = 0; i < p; i++) work[i] = 0;
    for (let i = c; i < p; i++) {
      let s = i === c ? 1 : 0;
      for (let k = c; k < i; k++) s -= l[i * p + k]! * work[k]!;
      work[i] = s / l[i * p + i]!;
      trace += work[i]! ** 2;
    }
  }
  return trace;
}

/**
 * Fits y ~ intercept + X b. `x` is column-major (column j at x[j*rows .. (j+1)*rows)) and is centred and
 * scaled in place. Columns must have non-zero variance.
 */
export function ridgeGcv(x: Float64Array, p: number, rows: number, y: Float64Array): RidgeFit {
  const means = new Float64Array(p);
  const sds = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const o = j * rows;
    let s = 0;
    for (let i = 0; i < rows; i++) s += x[o + i]!;
    const mean = s / rows;
    let ss = 0;
    for (let i = 0; i < rows; i++) {
      const d = x[o + i]! - mean;
      ss += d * d;
    }
    const sd = Math.sqrt(ss / rows);
    for (let i = 0; i < rows; i++) x[o + i] = (x[o + i]! - mean) / sd;
    means[j] = mean;
    sds[j] = sd;
  }
  let ybar = 0;
  for (let i = 0; i < rows; i++) ybar += y[i]!;
  ybar /= rows;
  let yy = 0;
  const g = new Float64Array(p * p);
  const r = new Float64Array(p);
  for (let i = 0; i < rows; i++) yy += (y[i]! - ybar) ** 2;
  for (let a = 0; a < p; a++) {
    const oa = a * rows;
    let s = 0;
    for (let i = 0; i < rows; i++) s += x[oa + i]! * (y[i]! - ybar);
    r[a] = s;
    for (let b = 0; b <= a; b++) {
      const ob = b * rows;
      let c = 0;
      for (let i = 0; i < rows; i++) c += x[oa + i]! * x[ob + i]!;
      g[a * p + b] = c;
      g[b * p + a] = c;
    }
  }

  const a = new Float64Array(p * p);
  const beta = new Float64Array(p);
  const work = new Float64Array(p);
  let best = { gcv: Number.POSITIVE_INFINITY, lambda: LAMBDA_GRID.at(-1)!, beta: new Float64Array(p) };
  for (const lambda of LAMBDA_GRID) {
    const penalty = lambda * rows;
    a.set(g);
    for (let j = 0; j < p; j++) a[j * p + j] = a[j * p + j]! + penalty;
    if (!cholesky(a, p)) continue;
    beta.set(r);
    choleskySolve(a, p, beta);
    // Residual sum of squares without another pass over the rows: yy - 2 b'r + b'G b.
    let sse = yy;
    for (let i = 0; i < p; i++) {
      let gb = 0;
      for (let k = 0; k < p; k++) gb += g[i * p + k]! * beta[k]!;
      sse += beta[i]! * (gb - 2 * r[i]!);
    }
    const df = p - penalty * traceOfInverse(a, p, work);
    const dof = rows - 1 - df;
    if (!(dof > 0)) continue;
    const gcv = (rows * Math.max(sse, 0)) / (dof * dof);
    if (gcv < best.gcv) best = { gcv, lambda, beta: Float64Array.from(beta) };
  }

  const coef = new Float64Array(p);
  let intercept = ybar;
  for (let j = 0; j < p; j++) {
    coef[j] = best.beta[j]! / sds[j]!;
    intercept -= coef[j]! * means[j]!;
  }
  return { intercept, coef, lambda: best.lambda };
}
