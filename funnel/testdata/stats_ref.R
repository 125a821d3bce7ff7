# Reference values for funnel's statistics (run: Rscript stats_ref.R > stats_ref.json).
# Wilson score interval: prop.test without continuity correction reports it.
# P(X < Y) for independent Betas: numerical integration of pbeta * dbeta.
# Quantiles: R's default type 7.
wil <- list(c(0, 10), c(3, 10), c(10, 10), c(45, 120), c(1, 1), c(700, 1000))
conf <- c(0.95, 0.9, 0.95, 0.99, 0.95, 0.8)
cat("{\n  \"wilson\": [\n")
for (i in seq_along(wil)) {
  k <- wil[[i]][1]; n <- wil[[i]][2]
  ci <- suppressWarnings(prop.test(k, n, conf.level = conf[i], correct = FALSE)$conf.int)
  cat(sprintf("    {\"k\": %d, \"n\": %d, \"conf\": %.2f, \"lo\": %.15g, \"hi\": %.15g}%s\n", k, n, conf[i], ci[1], ci[2], if (i < length(wil)) "," else ""))
}
cat("  ],\n  \"prob_below\": [\n")
pb <- list(c(2, 8, 30, 70), c(5, 5, 5, 5), c(35, 65, 601, 401), c(1, 1, 1, 1), c(3, 40, 500, 500), c(120, 30, 40, 60), c(2, 3, 1, 5), c(4, 2, 6, 1), c(1.5, 9, 1, 1))
for (i in seq_along(pb)) {
  a1 <- pb[[i]][1]; b1 <- pb[[i]][2]; a2 <- pb[[i]][3]; b2 <- pb[[i]][4]
  p <- integrate(function(y) pbeta(y, a1, b1) * dbeta(y, a2, b2), 0, 1, rel.tol = 1e-12, subdivisions = 2000L)$value
  cat(sprintf("    {\"a1\": %g, \"b1\": %g, \"a2\": %g, \"b2\": %g, \"p\": %.15g}%s\n", a1, b1, a2, b2, p, if (i < length(pb)) "," else ""))
}
cat("  ],\n  \"quantiles\": [\n")
set.seed(1)
xs <- list(c(5, 5, 5, 10, 10, 10, 10), c(10, 30, 40), sample(0:2000, 101, replace = TRUE) / 24, c(3), c(1, 2))
for (i in seq_along(xs)) {
  q <- quantile(xs[[i]], c(0.5, 0.75, 0.9), type = 7, names = FALSE)
  cat(sprintf("    {\"days\": [%s], \"q\": [%s]}%s\n", paste(sprintf("%.15g", xs[[i]]), collapse = ", "),
              paste(sprintf("%.15g", q), collapse = ", "), if (i < length(xs)) "," else ""))
}
cat("  ]\n}\n")
