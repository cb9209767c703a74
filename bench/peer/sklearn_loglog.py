"""scikit-learn log-log regression as an accuracy peer: per series, log(target) on log(price) and the promotion
covariate (LinearRegression), intervals from the normal quantiles of the log-scale residual sd.
Usage: python3 sklearn_loglog.py history.csv future.csv out.csv (the files bench/accuracy.ts writes)."""
import csv
import math
import sys
import time
from collections import defaultdict

import numpy as np
from sklearn.linear_model import LinearRegression

hist, fut, out = sys.argv[1:4]
series = defaultdict(list)
with open(hist) as f:
    for row in csv.DictReader(f):
        series[row["key"]].append(row)
future = defaultdict(list)
with open(fut) as f:
    for row in csv.DictReader(f):
        future[row["key"]].append(row)

Z80, Z95 = 1.2816, 1.96
with open(out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["key", "model", "h", "mean", "lo80", "hi80", "lo95", "hi95", "seconds", "cpu"])
    for key, rows in series.items():
        t0, c0 = time.perf_counter(), time.process_time()
        rows = [r for r in rows if r["y"] not in ("NA", "")]
        y = np.log(np.maximum(np.array([float(r["y"]) for r in rows]), 1.0))
        X = np.array([[math.log(float(r["x1"])), float(r["x2"])] for r in rows])
        model = LinearRegression().fit(X, y)
        sd = float(np.std(y - model.predict(X), ddof=X.shape[1] + 1))
        Xf = np.array([[math.log(float(r["x1"])), float(r["x2"])] for r in future[key]])
        mean = model.predict(Xf)
        secs, cpu = time.perf_counter() - t0, time.process_time() - c0
        for h, m in enumerate(mean, start=1):
            w.writerow([key, "sklearn log-log", h, math.exp(m), math.exp(m - Z80 * sd), math.exp(m + Z80 * sd),
                        math.exp(m - Z95 * sd), math.exp(m + Z95 * sd), secs, cpu])
