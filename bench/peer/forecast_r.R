# R's forecast package as the accuracy peer (Debian r-cran-forecast): per series naive, ets, auto.arima, and
# auto.arima on log(target) with log(price) and the promotion covariate as xreg (regression with ARIMA errors).
# Usage: Rscript forecast_r.R history.csv future.csv out.csv [part parts]
# With part/parts, only every parts-th series from the part-th (0-based) is fitted, so two processes share a dataset.
# auto.arima runs with its defaults (stepwise = TRUE, approximation = TRUE for long or high-frequency series).
# history.csv: key, t (1..n, regular weeks), y (NA for a missing week), x1, x2 ; future.csv: key, h, x1, x2.
suppressPackageStartupMessages(library(forecast))
args <- commandArgs(trailingOnly = TRUE)
hist <- read.csv(args[1], stringsAsFactors = FALSE)
fut <- read.csv(args[2], stringsAsFactors = FALSE)
part <- if (length(args) >= 5) as.integer(args[4]) else 0L
parts <- if (length(args) >= 5) as.integer(args[5]) else 1L
keys <- unique(hist$key)
keys <- keys[(seq_along(keys) - 1L) %% parts == part]
out <- list()
one <- function(key, model, h, fc, r) {
  data.frame(key = key, model = model, h = seq_len(h), mean = as.numeric(fc$mean),
             lo80 = as.numeric(fc$lower[, 1]), hi80 = as.numeric(fc$upper[, 1]),
             lo95 = as.numeric(fc$lower[, 2]), hi95 = as.numeric(fc$upper[, 2]), seconds = r$s, cpu = r$cpu)
}
# Elapsed (wall) and CPU seconds: on a shared machine the wall time is inflated by the load, the CPU time is not.
cpu <- function(t) t[["user.self"]] + t[["sys.self"]]
timed <- function(expr) {
  t0 <- proc.time(); v <- force(expr); t1 <- proc.time()
  list(v = v, s = t1[["elapsed"]] - t0[["elapsed"]], cpu = cpu(t1) - cpu(t0))
}
for (key in keys) {
  d <- hist[hist$key == key, ]
  f <- fut[fut$key == key, ]
  h <- nrow(f)
  y <- ts(na.interp(ts(d$y, frequency = 52)), frequency = 52)
  r <- timed(naive(y, h = h, level = c(80, 95)))
  out[[length(out) + 1]] <- one(key, "naive", h, r$v, r)
  r <- timed(forecast(ets(y), h = h, level = c(80, 95)))
  out[[length(out) + 1]] <- one(key, "ets", h, r$v, r)
  r <- timed(forecast(auto.arima(y), h = h, level = c(80, 95)))
  out[[length(out) + 1]] <- one(key, "auto.arima", h, r$v, r)
  # On the log scale: price as log(price) (its coefficient is the elasticity), the promotion share as is.
  ly <- log(pmax(y, 1))
  xr <- cbind(lp = log(d$x1), promo = d$x2)
  xf <- cbind(lp = log(f$x1), promo = f$x2)
  keep <- apply(xr, 2, function(col) sd(col) > 0)
  r <- timed(tryCatch({
    fit <- auto.arima(ly, xreg = xr[, keep, drop = FALSE])
    forecast(fit, h = h, xreg = xf[, keep, drop = FALSE], level = c(80, 95))
  }, error = function(e) forecast(auto.arima(ly), h = h, level = c(80, 95))))
  fc <- r$v
  fc$mean <- exp(fc$mean); fc$lower <- exp(fc$lower); fc$upper <- exp(fc$upper)
  out[[length(out) + 1]] <- one(key, "auto.arima+xreg", h, fc, r)
  # Written after every series, so a slow dataset keeps what it finished (bench/accuracy.ts --partial-peers).
  write.csv(do.call(rbind, out), args[3], row.names = FALSE)
}
