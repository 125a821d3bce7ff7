#!/usr/bin/env python3
"""Independent reference for the Chinese lunar calendar, 1900-2101.

This script does NOT use the compact hex year table that customer/lunar.go is
built from. It computes the calendar from astronomy, following the rules of
the Chinese calendar standard (GB/T 33661-2017):

  * a month starts on the civil day (China time) that contains the new moon;
  * the winter solstice always falls in month 11;
  * when 13 months lie between two month-11 starts, the first of them that
    contains no principal solar term (zhongqi, solar longitude a multiple of
    30 degrees) is the leap month and repeats the number of the month before.

New moons: J. Meeus, Astronomical Algorithms (2nd ed.), chapter 49, with all
periodic and planetary terms. Sun: Meeus chapter 25 (low accuracy, about
0.01 degree, i.e. about 15 minutes of time for a solar term). Delta T:
Espenak & Meeus polynomials (NASA eclipse site, 2006). China time is UTC+8
from 1929; before 1929 the calendar used Beijing local mean time (116deg25'E,
UTC+7:45:40).

Outputs (stdout): one line per lunar month start from lunar 1900/1 to
lunar 2101/1: "YYYY MM L YYYY-MM-DD" (lunar year, month, L=1 for a leap
month, Gregorian start date) and, on stderr, every astronomical event that
lies within 10 minutes (new moon) or 30 minutes (a solar term on or next to a
month's first day) of a civil midnight, so that a reader can see where this
lower-precision computation could disagree with the official calendar.

Usage: /usr/bin/python3 lunar_ref.py > lunar_months.txt
"""
import math
import sys
import datetime

D = math.pi / 180


def new_moon_jde(k):
    T = k / 1236.85
    jde = (2451550.09766 + 29.530588861 * k + 0.00015437 * T**2
           - 0.000000150 * T**3 + 0.00000000073 * T**4)
    E = 1 - 0.002516 * T - 0.0000074 * T**2
    M = (2.5534 + 29.10535670 * k - 0.0000014 * T**2 - 0.00000011 * T**3) * D
    Mp = (201.5643 + 385.81693528 * k + 0.0107582 * T**2 + 0.00001238 * T**3
          - 0.000000058 * T**4) * D
    F = (160.7108 + 390.67050284 * k - 0.0016118 * T**2 - 0.00000227 * T**3
         + 0.000000011 * T**4) * D
    Om = (124.7746 - 1.56375588 * k + 0.0020672 * T**2 + 0.00000215 * T**3) * D
    s = sum([
        -0.40720 * math.sin(Mp),
        0.17241 * E * math.sin(M),
        0.01608 * math.sin(2 * Mp),
        0.01039 * math.sin(2 * F),
        0.00739 * E * math.sin(Mp - M),
        -0.00514 * E * math.sin(Mp + M),
        0.00208 * E * E * math.sin(2 * M),
        -0.00111 * math.sin(Mp - 2 * F),
        -0.00057 * math.sin(Mp + 2 * F),
        0.00056 * E * math.sin(2 * Mp + M),
        -0.00042 * math.sin(3 * Mp),
        0.00042 * E * math.sin(M + 2 * F),
        0.00038 * E * math.sin(M - 2 * F),
        -0.00024 * E * math.sin(2 * Mp - M),
        -0.00017 * math.sin(Om),
        -0.00007 * math.sin(Mp + 2 * M),
        0.00004 * math.sin(2 * Mp - 2 * F),
        0.00004 * math.sin(3 * M),
        0.00003 * math.sin(Mp + M - 2 * F),
        0.00003 * math.sin(2 * Mp + 2 * F),
        -0.00003 * math.sin(Mp + M + 2 * F),
        0.00003 * math.sin(Mp - M + 2 * F),
        -0.00002 * math.sin(Mp - M - 2 * F),
        -0.00002 * math.sin(3 * Mp + M),
        0.00002 * math.sin(4 * Mp),
    ])
    A = [
        (299.77, 0.107408, -0.009173, 0.000325),
        (251.88, 0.016321, 0, 0.000165),
        (251.83, 26.651886, 0, 0.000164),
        (349.42, 36.412478, 0, 0.000126),
        (84.66, 18.206239, 0, 0.000110),
        (141.74, 53.303771, 0, 0.000062),
        (207.14, 2.453732, 0, 0.000060),
        (154.84, 7.306860, 0, 0.000056),
        (34.52, 27.261239, 0, 0.000047),
        (207.19, 0.121824, 0, 0.000042),
        (291.34, 1.844379, 0, 0.000040),
        (161.72, 24.198154, 0, 0.000037),
        (239.56, 25.513099, 0, 0.000035),
        (331.55, 3.592518, 0, 0.000023),
    ]
    s += sum(c * math.sin((a + b * k + t2 * T**2) * D) for a, b, t2, c in A)
    return jde + s


def sun_apparent_longitude(jde):
    T = (jde - 2451545.0) / 36525
    L0 = 280.46646 + 36000.76983 * T + 0.0003032 * T * T
    M = (357.52911 + 35999.05029 * T - 0.0001537 * T * T) * D
    C = ((1.914602 - 0.004817 * T - 0.000014 * T * T) * math.sin(M)
         + (0.019993 - 0.000101 * T) * math.sin(2 * M)
         + 0.000289 * math.sin(3 * M))
    Om = (125.04 - 1934.136 * T) * D
    return (L0 + C - 0.00569 - 0.00478 * math.sin(Om)) % 360


def solar_term_jde(year, lon):
    """JDE when the apparent solar longitude reaches lon degrees in year."""
    # rough guess: the sun is at 0 degrees near March 20.
    jd0 = gregorian_to_jd(year, 3, 20) + (lon % 360) / 360 * 365.2422
    if lon >= 270:
        jd0 = gregorian_to_jd(year, 12, 21) + (lon - 270) / 360 * 365.2422
    jde = jd0
    for _ in range(50):
        d = (lon - sun_apparent_longitude(jde) + 180) % 360 - 180
        jde += d / 360 * 365.2422
        if abs(d) < 1e-9:
            break
    return jde


def delta_t(y):
    if y < 1920:
        t = y - 1900
        return -2.79 + 1.494119 * t - 0.0598939 * t**2 + 0.0061966 * t**3 - 0.000197 * t**4
    if y < 1941:
        t = y - 1920
        return 21.20 + 0.84493 * t - 0.076100 * t**2 + 0.0020936 * t**3
    if y < 1961:
        t = y - 1950
        return 29.07 + 0.407 * t - t**2 / 233 + t**3 / 2547
    if y < 1986:
        t = y - 1975
        return 45.45 + 1.067 * t - t**2 / 260 - t**3 / 718
    if y < 2005:
        t = y - 2000
        return (63.86 + 0.3345 * t - 0.060374 * t**2 + 0.0017275 * t**3
                + 0.000651814 * t**4 + 0.00002373599 * t**5)
    if y < 2050:
        t = y - 2000
        return 62.92 + 0.32217 * t + 0.005589 * t**2
    return -20 + 32 * ((y - 1820) / 100) ** 2 - 0.5628 * (2150 - y)


def gregorian_to_jd(y, m, d):
    if m <= 2:
        y -= 1
        m += 12
    a = y // 100
    b = 2 - a + a // 4
    return math.floor(365.25 * (y + 4716)) + math.floor(30.6001 * (m + 1)) + d + b - 1524.5


def jd_to_date(jd):
    """Gregorian date of the civil day containing instant jd (a JD in local time)."""
    return datetime.date(2000, 1, 1) + datetime.timedelta(days=math.floor(jd + 0.5 - 2451545.0))


def china_offset_days(jd_ut):
    if jd_ut < gregorian_to_jd(1929, 1, 1):
        return (7 + 45 / 60 + 40 / 3600) / 24
    return 8 / 24


NEAR = []


def local_date(jde, what, margin_minutes):
    y = 2000 + (jde - 2451545.0) / 365.25
    jd_ut = jde - delta_t(y) / 86400
    local = jd_ut + china_offset_days(jd_ut)
    frac = (local + 0.5) % 1  # fraction of the civil day elapsed
    minutes = min(frac, 1 - frac) * 24 * 60
    if minutes < margin_minutes:
        NEAR.append((jd_to_date(local), what, round(minutes, 1)))
    return jd_to_date(local)


def self_check():
    """The worked examples of Meeus (2nd ed.): 49.a and 25.a."""
    assert abs(new_moon_jde(-283) - 2443192.65118) < 1e-5  # 1977 Feb 18, 3h37m42s TD
    assert abs(sun_apparent_longitude(2448908.5) - 199.90895) < 2e-5  # 1992 Oct 13.0 TD


def main():
    self_check()
    # all new moons from late 1899 to early 2102
    k0 = math.floor((1899.8 - 2000) * 12.3685)
    k1 = math.ceil((2102.2 - 2000) * 12.3685)
    starts = [local_date(new_moon_jde(k), "new moon", 10) for k in range(k0, k1)]
    # principal terms (zhongqi): solar longitude 0, 30, ..., 330
    zq = []
    for y in range(1899, 2103):
        for lon in range(0, 360, 30):
            zq.append(local_date(solar_term_jde(y, lon), "zhongqi %d" % lon, 30))
    zq.sort()

    def month_index(d):  # index of the month containing date d
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if starts[mid] <= d:
                lo = mid
            else:
                hi = mid - 1
        return lo

    has_zq = [False] * len(starts)
    for d in zq:
        if starts[0] <= d:
            has_zq[month_index(d)] = True

    months = []  # (lunar year, month, leap, start)
    for y in range(1899, 2101):
        ws_a = local_date(solar_term_jde(y, 270), "winter solstice", 30)
        ws_b = local_date(solar_term_jde(y + 1, 270), "winter solstice", 30)
        a, b = month_index(ws_a), month_index(ws_b)  # month-11 indices
        leap_at = -1
        if b - a == 13:
            for i in range(a, b):
                if not has_zq[i]:
                    leap_at = i
                    break
        elif b - a != 12:
            raise SystemExit("sui of %d months at %d" % (b - a, y))
        num = 11
        for i in range(a, b):
            if i == leap_at:
                leap = True
            else:
                leap = False
                if i != a:
                    num = num % 12 + 1
            # months 11 and 12 at the start of the sui belong to lunar year y,
            # the rest to lunar year y+1
            ly = y if (i - a) < 3 and num in (11, 12) else y + 1
            months.append((ly, num, leap, starts[i]))
    for ly, num, leap, st in months:
        if (ly, num) >= (1900, 1) and (ly, num) <= (2101, 1):
            print("%04d %02d %d %s" % (ly, num, 1 if leap else 0, st.isoformat()))
    # A solar term near midnight matters only where a month starts the day
    # before or after it (it could then fall into the other month).
    start_set = set(starts)
    one = datetime.timedelta(days=1)
    for d, what, minutes in sorted(set(NEAR)):
        if what != "new moon" and not (d in start_set or d + one in start_set):
            continue
        print("near midnight: %s %s %.1f min" % (d, what, minutes), file=sys.stderr)


if __name__ == "__main__":
    main()
