#!/usr/bin/env python3
"""compare.py - checks a powertest report CSV against expected figures (history.py expect).

  compare.py REPORT.csv EXPECTED.json [--tolerance 0.01] [--pue P --ci G|row]

--ci row: the intensity varies; co2_g must equal energy x PUE x the row's own
(energy-weighted) carbon_intensity_g_per_kwh, and the expected co2_g (if any)
within the tolerance.

Every expected field must be within the relative tolerance; counts exact;
energy_j = energy_wh * 3600, energy_uj = energy_j * 1e6, CO2 from the energy.
Prints one line per check that fails and exits 1 if any did.
"""
import csv
import json
import sys

HEADER = ("task,node,start,end,duration_s,cpu_util_pct,ram_util_pct,ram_used_gib,gpu_count,"
          "gpu_util_pct,cpu_power_w,ram_power_w,gpu_power_w,other_power_w,power_w,cpu_energy_wh,"
          "ram_energy_wh,gpu_energy_wh,other_energy_wh,energy_wh,energy_j,energy_uj,pue,"
          "carbon_intensity_g_per_kwh,co2_g,cpu_source,ram_source,gpu_source,power_source,"
          "status").split(",")


def close(a, b, tol):
    return abs(a - b) <= tol * max(abs(b), 1e-9) or abs(a - b) < 1e-6


def main(argv):
    path, exp_path = argv[1], argv[2]
    tol = float(argv[argv.index("--tolerance") + 1]) if "--tolerance" in argv else 0.01
    pue = float(argv[argv.index("--pue") + 1]) if "--pue" in argv else 1.0
    ci_arg = argv[argv.index("--ci") + 1] if "--ci" in argv else "475"
    expected = json.load(open(exp_path))
    bad, checked, worst, worst_co2 = [], 0, 0.0, None
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if rows[0] != HEADER:
        bad.append("header differs: %s" % rows[0])
    seen = {}
    for r in rows[1:]:
        if len(r) != len(HEADER):
            bad.append("row with %d columns: %s" % (len(r), r))
            continue
        seen[r[1]] = dict(zip(HEADER, r))
    for node, exp in expected.items():
        row = seen.get(node)
        if row is None:
            bad.append("%s: no row" % node)
            continue
        if row["status"] != "ok":
            bad.append("%s: status %s" % (node, row["status"]))
        for k, v in exp.items():
            checked += 1
            if v is None:
                if row[k] != "":
                    bad.append("%s.%s: expected empty, got %s" % (node, k, row[k]))
            elif isinstance(v, str):
                if row[k] != v:
                    bad.append("%s.%s: %r != %r" % (node, k, row[k], v))
            elif k == "gpu_count":
                if int(row[k]) != v:
                    bad.append("%s.%s: %s != %s" % (node, k, row[k], v))
            elif row[k] == "" or not close(float(row[k]), v, tol):
                bad.append("%s.%s: got %s, expected %.6g (tolerance %g)" % (node, k, row[k], v, tol))
            elif abs(v) > 1e-9:
                worst = max(worst, abs(float(row[k]) - v) / abs(v))
            if k == "co2_g" and v and row[k] != "":
                d = abs(float(row[k]) - v) / abs(v)
                worst_co2 = d if worst_co2 is None else max(worst_co2, d)
        wh, j, uj = float(row["energy_wh"]), float(row["energy_j"]), int(row["energy_uj"])
        checked += 3
        if not close(j, wh * 3600, 1e-6):
            bad.append("%s: energy_j %s != energy_wh*3600" % (node, j))
        if abs(uj - j * 1e6) > 1000:  # energy_j is printed with 3 decimals
            bad.append("%s: energy_uj %s != energy_j*1e6" % (node, uj))
        ci = float(row["carbon_intensity_g_per_kwh"]) if ci_arg == "row" else float(ci_arg)
        if not close(float(row["co2_g"]), wh / 1000 * pue * ci, 1e-3):
            bad.append("%s: co2_g %s != %g" % (node, row["co2_g"], wh / 1000 * pue * ci))
    for line in bad:
        print("MISMATCH " + line)
    print("compare: %d values checked, %d mismatches, worst relative difference %.4f%%%s"
          % (checked, len(bad), 100 * worst, "" if worst_co2 is None
             else ", co2_g worst %.4f%% from the truth" % (100 * worst_co2)))
    return 1 if bad or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
