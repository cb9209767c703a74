"""The peer in bench/train.ts: the many-models accelerator's approach, one scikit-learn model per partition.

Per partition, as the accelerator's custom-script training does: calendar features + target lags 1..4 +
covariates -> LinearRegression, fitted on the training window, recursive forecast over the holdout, metrics,
refit on all data, model persisted with joblib. Runs partitions in a process pool (one process per core).
Prints one JSON line with throughput and accuracy on the same holdout as the TypeScript engine.
Written for this benchmark; needs Debian's python3-sklearn and python3-pandas.
"""
import argparse
import json
import os
import time
from multiprocessing import Pool

import joblib
import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression

LAGS = [1, 2, 3, 4]


def calendar(index: pd.DatetimeIndex) -> pd.DataFrame:
    return pd.DataFrame(
        {"week": index.isocalendar().week.to_numpy(dtype=float), "month": index.month.to_numpy(dtype=float)},
        index=index,
    )


def design(history: np.ndarray, covariates: pd.DataFrame, index: pd.DatetimeIndex) -> pd.DataFrame:
    frame = calendar(index).join(covariates)
    for lag in LAGS:
        frame[f"lag{lag}"] = pd.Series(history, index=index).shift(lag)
    return frame


def fit(y: np.ndarray, covariates: pd.DataFrame, index: pd.DatetimeIndex) -> LinearRegression:
    frame = design(y, covariates, index).assign(y=y).dropna()
    return LinearRegression().fit(frame.drop(columns="y"), frame["y"])


def forecast(model, history: np.ndarray, covariates: pd.DataFrame, index: pd.DatetimeIndex) -> np.ndarray:
    values = list(history)
    out = []
    cal = calendar(index).join(covariates)
    for i in range(len(index)):
        row = cal.iloc[[i]].copy()
        for lag in LAGS:
            row[f"lag{lag}"] = values[-lag]
        value = float(model.predict(row)[0])
        out.append(value)
        values.append(value)
    return np.array(out)


def train_partition(task):
    name, frame, time_col, target, features, holdout, out_dir = task
    frame = frame.sort_values(time_col)
    index = pd.DatetimeIndex(frame[time_col])
    y = frame[target].to_numpy(dtype=float)
    covariates = frame[features].set_index(index).astype(float)
    if len(y) <= holdout + 8 or np.isnan(y).any():
        return name, None
    train_y, test_y = y[:-holdout], y[-holdout:]
    model = fit(train_y, covariates.iloc[:-holdout], index[:-holdout])
    predicted = forecast(model, train_y, covariates.iloc[-holdout:], index[-holdout:])
    abs_err = float(np.abs(test_y - predicted).sum())
    abs_act = float(np.abs(test_y).sum())
    final = fit(y, covariates, index)
    joblib.dump(final, os.path.join(out_dir, f"{name}.joblib"))
    return name, (abs_err, abs_act)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", required=True)
    parser.add_argument("--time", default="WeekStarting")
    parser.add_argument("--target", default="Quantity")
    parser.add_argument("--keys", nargs="+", default=["Store", "Brand"])
    parser.add_argument("--features", nargs="*", default=["Price", "Advert"])
    parser.add_argument("--holdout", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    started = time.perf_counter()
    data = pd.read_csv(args.csv, parse_dates=[args.time], dtype={k: str for k in args.keys + ["name"]})
    tasks = [
        (name, group, args.time, args.target, args.features, args.holdout, args.out)
        for name, group in data.groupby("name", sort=True)
    ]
    with Pool(args.workers) as pool:
        results = pool.map(train_partition, tasks, chunksize=8)
    seconds = time.perf_counter() - started
    wapes = {name: r[0] / r[1] for name, r in results if r is not None and r[1] > 0}
    print(json.dumps({
        "partitions": len(tasks),
        "trained": sum(1 for _, r in results if r is not None),
        "seconds": seconds,
        "wape": wapes,
    }))


if __name__ == "__main__":
    main()
