"""Reference values for segment's purchase-model formulas, computed
independently with SciPy (hyp2f1, quad) at the PUBLISHED CDNOW parameters.

Run: /usr/bin/python3 btyd_ref.py > btyd_ref.json   (SciPy 1.x)
Formulas: BG/NBD — Fader, Hardie and Lee (2005) eqs. 8, 10 and P(alive);
Pareto/NBD — Fader and Hardie (2005) note, eqs. for P(alive) and the
conditional expectation; the unconditional Pareto/NBD pmf by adaptive
quadrature over the death time (scipy.integrate.quad)."""
import csv, json, math
from scipy.special import hyp2f1, gammaln, betaln
from scipy.integrate import quad

bg = dict(r=0.243, alpha=4.414, a=0.793, b=2.426)
pn = dict(r=0.553, alpha=10.578, s=0.606, beta=11.669)

rows = list(csv.DictReader(open("BTYD_cdnowSummary_cbs.csv")))

def bg_palive(x, tx, T, r, alpha, a, b):
    if x == 0:
        return 1.0
    return 1.0 / (1.0 + a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x))

def bg_cond(t, x, tx, T, r, alpha, a, b):
    h = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
    num = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * h)
    return num * bg_palive(x, tx, T, r, alpha, a, b)

def bg_pmf(k, t, r, alpha, a, b):
    def nbd(j):
        return math.exp(gammaln(r + j) - gammaln(r) - gammaln(j + 1) + r * math.log(alpha / (alpha + t)) + j * math.log(t / (alpha + t)))
    p = math.exp(betaln(a, b + k) - betaln(a, b)) * nbd(k)
    if k > 0:
        p += math.exp(betaln(a + 1, b + k - 1) - betaln(a, b)) * (1 - sum(nbd(j) for j in range(k)))
    return p

def pn_palive(x, tx, T, r, alpha, s, beta):
    c = r + s + x
    if alpha >= beta:
        f = lambda t: hyp2f1(c, s + 1, c + 1, (alpha - beta) / (alpha + t)) / (alpha + t) ** c
    else:
        f = lambda t: hyp2f1(c, r + x, c + 1, (beta - alpha) / (beta + t)) / (beta + t) ** c
    a0 = f(tx) - f(T)
    return 1.0 / (1.0 + s / c * (alpha + T) ** (r + x) * (beta + T) ** s * a0)

def pn_cond(t, x, tx, T, r, alpha, s, beta):
    return (r + x) * (beta + T) / ((alpha + T) * (s - 1)) * (1 - ((beta + T) / (beta + T + t)) ** (s - 1)) * pn_palive(x, tx, T, r, alpha, s, beta)

def pn_pmf(k, t, r, alpha, s, beta):
    def nbd(d):
        if d == 0:
            return 1.0 if k == 0 else 0.0
        return math.exp(gammaln(r + k) - gammaln(r) - gammaln(k + 1) + r * math.log(alpha / (alpha + d)) + k * math.log(d / (alpha + d)))
    alive = (beta / (beta + t)) ** s * nbd(t)
    dead, _ = quad(lambda u: s * beta ** s / (beta + u) ** (s + 1) * nbd(u), 0, t, epsabs=1e-14, epsrel=1e-12, limit=200)
    return alive + dead

out = {"bgnbd_params": bg, "paretonbd_params": pn, "t": 39}
for name, cond, par in (("bgnbd", bg_cond, bg), ("paretonbd", pn_cond, pn)):
    bins = [0.0] * 8
    n = [0] * 8
    total = 0.0
    for row in rows:
        x, tx, T = int(row["x"]), float(row["t.x"]), float(row["T.cal"])
        e = cond(39.0, x, tx, T, **par)
        total += e
        g = min(x, 7)
        bins[g] += e
        n[g] += 1
    out[name + "_holdout_total"] = total
    out[name + "_holdout_mean_by_x"] = [bins[i] / n[i] for i in range(8)]
out["bgnbd_palive_x2"] = bg_palive(2, 30.43, 38.86, **bg)
out["paretonbd_palive_x2"] = pn_palive(2, 30.43, 38.86, **pn)
out["bgnbd_pmf_39"] = [bg_pmf(k, 39.0, **bg) for k in range(8)]
out["paretonbd_pmf_39"] = [pn_pmf(k, 39.0, **pn) for k in range(8)]
print(json.dumps(out, indent=1))
