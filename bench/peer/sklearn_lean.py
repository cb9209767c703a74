"""The lean peer in bench/train.ts: one scikit-learn model per partition, written the way a careful Python
engineer would, to measure the engine against the fastest honest version of the accelerator's idea.

Same model and features as the accelerator's approach (bench/peer/sklearn_many_models.py): calendar (ISO week,
month) + covariates + target lags 1..4 into a scikit-learn LinearRegression, fitted on the training window,
recursive forecast over the holdout, refit on all data. What differs is only overhead: numpy arrays instead of a
pandas frame per step, calendar columns computed once per date, the recursive step a dot product with the fitted
coefficients, one process per core each handed a contiguous share of the partitions, and the fitted models kept
as one coefficient file per process instead of one joblib file per model.

Prints one JSON line: partitions, CPU seconds of start-up (imports, CSV read, split; main process) and of the
per-partition work (every worker's user+sys, from getrusage of the children, plus the main process meanwhile),
wall seconds, and each partition's holdout WAPE. Needs Debian's python3-sklearn (and numpy); no pandas.
"""
import argparse
import csv
import datetime
import json
import os
import resource
import time
from multiprocessing import Pool

import numpy as np
from sklearn.linear_model import LinearRegression

LAGS = (1, 2, 3, 4)
MAX_LAG = max(LAGS)


def cpu_self():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def design(y, exog):
    """Rows MAX_LAG.. of [exog | lags]: the regression's X, and its target."""
    n = len(y)
    lags = np.column_stack([y[MAX_LAG - lag : n - lag] for lag in LAGS])
    return np.hstack([exog[MAX_LAG:], lags]), y[MAX_LAG:]


def fit(y, exog, ols):
    x, target = design(y, exog)
    if ols == "numpy":
        # The same least-squares fit without scikit-learn's per-call validation: the floor of this approach.
        coef, *_ = np.linalg.lstsq(np.hstack([np.ones((len(x), 1)), x]), target, rcond=None)
        return coef
    model = LinearRegression().fit(x, target)
    return np.concatenate([[model.intercept_], model.coef_])


def forecast(coef, history, exog):
    intercept, beta_exog, beta_lags = coef[0], coef[1 : 1 + exog.shape[1]], coef[1 + exog.shape[1] :]
    base = intercept + exog @ beta_exog
    values = list(history[-MAX_LAG:])
    out = np.empty(len(exog))
    for i in range(len(exog)):
        value = base[i]
        for j, lag in enumerate(LAGS):
            value += beta_lags[j] * values[-lag]
        out[i] = value
        values.append(value)
    return out


def train_share(task):
    """One worker's contiguous share: (names, y arrays, exog arrays); returns WAPE parts and its coefficients."""
    names, ys, exogs, holdout, ols, out_file = task
    results = []
    coefs = {}
    for name, y, exog in zip(names, ys, exogs):
        if len(y) <= holdout + 8 or np.isnan(y).any():
            results.append((name, None))
            continue
        train_y, test_y = y[:-holdout], y[-holdout:]
        predicted = forecast(fit(train_y, exog[:-holdout], ols), train_y, exog[-holdout:])
        coefs[name] = fit(y, exog, ols)
        results.append((name, (float(np.abs(test_y - predicted).sum()), float(np.abs(test_y).sum()))))
    np.savez(out_file, **coefs)
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", required=True)
    parser.add_argument("--time", default="WeekStarting")
    parser.add_argument("--target", default="Quantity")
    parser.add_argument("--features", nargs="*", default=["Price", "Advert"])
    parser.add_argument("--holdout", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--out", required=True)
    parser.add_argument("--ols", choices=["sklearn", "numpy"], default="sklearn")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    wall_started = time.perf_counter()
    with open(args.csv, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    col = {c: i for i, c in enumerate(header)}
    rows.sort(key=lambda r: (r[col["name"]], r[col[args.time]]))
    # Calendar columns once per distinct date (ISO week, month), then gathered per row.
    dates, date_index = np.unique(np.array([r[col[args.time]][:10] for r in rows]), return_inverse=True)
    parsed = [datetime.date.fromisoformat(d) for d in dates]
    calendar = np.array([[d.isocalendar()[1], d.month] for d in parsed], dtype=float)
    number = lambda v: float(v) if v != "" else np.nan
    covariates = np.array([[number(r[col[c]]) for c in args.features] for r in rows], dtype=float)
    exog_all = np.hstack([calendar[date_index], covariates.reshape(len(rows), len(args.features))])
    y_all = np.array([number(r[col[args.target]]) for r in rows], dtype=float)
    names_all = np.array([r[col["name"]] for r in rows])
    starts = np.flatnonzero(np.r_[True, names_all[1:] != names_all[:-1]])
    ends = np.r_[starts[1:], len(names_all)]
    names = [str(names_all[s]) for s in starts]
    ys = [y_all[s:e] for s, e in zip(starts, ends)]
    exogs = [exog_all[s:e] for s, e in zip(starts, ends)]
    startup_cpu = cpu_self()

    pool_cpu_before = cpu_self()
    shares = np.array_split(np.arange(len(names)), args.workers)
    tasks = [
        ([names[i] for i in share], [ys[i] for i in share], [exogs[i] for i in share], args.holdout, args.ols,
         os.path.join(args.out, f"models-{w}.npz"))
        for w, share in enumerate(shares)
    ]
    compute_started = time.perf_counter()
    pool = Pool(args.workers)
    results = [r for part in pool.map(train_share, tasks, chunksize=1) for r in part]
    pool.close()
    pool.join()
    compute_wall = time.perf_counter() - compute_started
    compute_cpu = cpu_children() + (cpu_self() - pool_cpu_before)
    wapes = {name: r[0] / r[1] for name, r in results if r is not None and r[1] > 0}
    print(json.dumps({
        "partitions": len(names),
        "trained": sum(1 for _, r in results if r is not None),
        "startupCpu": startup_cpu,
        "computeCpu": compute_cpu,
        "computeWall": compute_wall,
        "wall": time.perf_counter() - wall_started,
        "wape": wapes,
    }))


if __name__ == "__main__":
    main()
