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
    for (let k = 0; k < j; k++) {
      const v = a[j * p + k]!;
      d -= v * v;
    }
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
      trace += work[i]! * work[i]!;
    }
  }
  return trace;
}

/**
 * Column a's cross-products with columns 0..a into the symmetric `g`. Four (or two) columns per pass over the rows
 * (one load of column a for all); each sum still adds its rows in order, so the result is the plain loop's exactly.
 */
function crossProducts(x: Float64Array, rows: number, a: number, g: Float64Array, p: number): void {
  const oa = a * rows;
  let b = 0;
  for (; b + 3 <= a; b += 4) {
    const o0 = b * rows;
    let c0 = 0;
    let c1 = 0;
    let c2 = 0;
    let c3 = 0;
    for (let i = 0; i < rows; i++) {
      const v = x[oa + i]!;
      const k = o0 + i;
      c0 += v * x[k]!;
      c1 += v * x[k + rows]!;
      c2 += v * x[k + 2 * rows]!;
      c3 += v * x[k + 3 * rows]!;
    }
    g[a * p + b] = c0;
    g[b * p + a] = c0;
    g[a * p + b + 1] = c1;
    g[(b + 1) * p + a] = c1;
    g[a * p + b + 2] = c2;
    g[(b + 2) * p + a] = c2;
    g[a * p + b + 3] = c3;
    g[(b + 3) * p + a] = c3;
  }
  for (; b + 1 <= a; b += 2) {
    const o0 = b * rows;
    const o1 = o0 + rows;
    let c0 = 0;
    let c1 = 0;
    for (let i = 0; i < rows; i++) {
      const v = x[oa + i]!;
      c0 += v * x[o0 + i]!;
      c1 += v * x[o1 + i]!;
    }
    g[a * p + b] = c0;
    g[b * p + a] = c0;
    g[a * p + b + 1] = c1;
    g[(b + 1) * p + a] = c1;
  }
  for (; b <= a; b++) {
    const ob = b * rows;
    let c = 0;
    for (let i = 0; i < rows; i++) c += x[oa + i]! * x[ob + i]!;
    g[a * p + b] = c;
    g[b * p + a] = c;
  }
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
  for (let i = 0; i < rows; i++) {
    const d = y[i]! - ybar;
    yy += d * d;
  }
  const yc = new Float64Array(rows);
  for (let i = 0; i < rows; i++) yc[i] = y[i]! - ybar;
  for (let a = 0; a < p; a++) {
    const oa = a * rows;
    let s = 0;
    for (let i = 0; i < rows; i++) s += x[oa + i]! * yc[i]!;
    r[a] = s;
    crossProducts(x, rows, a, g, p);
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
