#!/usr/bin/env python3
"""history.py - synthetic lab history with known values, for backfill tests and the benchmark.

Writes OpenMetrics text that `promtool tsdb create-blocks-from openmetrics`
turns into TSDB blocks: node_exporter series (CPU seconds per CPU and mode,
memory, cpu info) on HOST:9100 and nvidia_gpu_exporter series on HOST:9835,
all piecewise constant per segment, scraped every STEP seconds. Because the
utilisation and power of every segment are parameters, the expected report of
any window can be computed here from the model's formulas (doc/reference.md §6), independently of
powertest's C code.

  history.py write SPEC.json OUT.om [--ms]  write the OpenMetrics file (--ms: text
                                            format with ms timestamps, for VictoriaMetrics)
  history.py expect SPEC.json START END [--no-measured] [--config CFG.json]
                                            print expected per-node figures (JSON)
                                            [--intensity FILE [--node-intensity HOST=FILE]...
                                             --pue P]  add co2_g: the energy of each hour
                                            of the intensity file (and of each segment)
                                            x PUE x that hour's intensity
  history.py lab N_NODES T0 HOURS OUT.json  make a SPEC for an N-node lab
  history.py intensity T0 HOURS OUT.csv [--em|--plain-unix] [--seed S]
                                            an hourly carbon intensity file from T0
                                            (Electricity Maps data-portal form with --em:
                                            direct and LCA columns)
"""
import bisect
import csv
import datetime
import json
import random
import sys

GIB = 1024.0 ** 3


def seg_value(segments, seg_len, t0, t):
    """Value of a piecewise-constant parameter at time t (segments repeat)."""
    i = int((t - t0) // seg_len) % len(segments)
    return segments[i]


def samples(spec):
    t0, step, n = spec["t0"], spec["step"], spec["samples"]
    return [t0 + k * step for k in range(n)]


def write(spec, out, ms=False):
    """OpenMetrics (seconds, # EOF) for promtool; with ms, the Prometheus text
    format with millisecond timestamps that VictoriaMetrics imports."""
    t0, seg, step = spec["t0"], spec["segment"], spec["step"]
    times = samples(spec)
    fams = {}

    def add(family, kind, name, labels, values):
        fams.setdefault(family, (kind, []))[1].append((name, labels, values, gaps))

    def scrapes(labels):
        """up of one target: 0 while the node is down, 1 otherwise."""
        fams.setdefault("up", ("gauge", []))[1].append(
            ("up", labels, [0.0 if down(t) else 1.0 for t in times], []))

    for node in spec["nodes"]:
        host = node["host"]
        # "down": [[from, to], ...] seconds after t0 when the node's exporters
        # did not answer: no samples, and up = 0.
        gaps = [(t0 + a, t0 + b) for a, b in node.get("down", [])]

        def down(t):
            return any(a <= t < b for a, b in gaps)

        inst = {"instance": host + ":9100", "job": "node"}
        scrapes(inst)
        ncpu = node["cpus"]
        for cpu in range(ncpu):
            idle, user = [], []
            ci = cu = 1000.0
            for k, t in enumerate(times):
                if k > 0:
                    u = seg_value(node["cpu_util"], seg, t0, times[k - 1])
                    ci += (1.0 - u) * step
                    cu += u * step
                idle.append(ci)
                user.append(cu)
            lab = dict(inst, cpu=str(cpu))
            add("node_cpu_seconds", "counter", "node_cpu_seconds_total", dict(lab, mode="idle"), idle)
            add("node_cpu_seconds", "counter", "node_cpu_seconds_total", dict(lab, mode="user"), user)
            add("node_cpu_info", "gauge", "node_cpu_info",
                dict(inst, cpu=str(cpu), core=str(cpu), family="6", microcode="0x1", model="85",
                     model_name=node["cpu_model"], package="0", stepping="7", vendor="GenuineIntel"),
                [1.0] * len(times))
        add("node_time_seconds", "gauge", "node_time_seconds", inst, [float(t) for t in times])
        total = node["mem_gib"] * GIB
        add("node_memory_MemTotal_bytes", "gauge", "node_memory_MemTotal_bytes", inst,
            [total] * len(times))
        add("node_memory_MemAvailable_bytes", "gauge", "node_memory_MemAvailable_bytes", inst,
            [total - seg_value(node["ram_used_gib"], seg, t0, t) * GIB for t in times])
        if node.get("gpu_exporter") == "dcgm":
            write_dcgm(node, times, t0, seg, step, add)
            continue
        ginst = {"instance": host + ":9835", "job": "gpu"}
        # "gpu_down": the same for the GPU exporter alone.
        gaps = gaps + [(t0 + a, t0 + b) for a, b in node.get("gpu_down", [])]
        if node.get("gpus"):
            scrapes(ginst)
        for g in node.get("gpus", []):
            lab = dict(ginst, uuid=g["uuid"])
            add("nvidia_smi_utilization_gpu_ratio", "gauge", "nvidia_smi_utilization_gpu_ratio", lab,
                [seg_value(g["util"], seg, t0, t) for t in times])
            add("nvidia_smi_power_draw_watts", "gauge", "nvidia_smi_power_draw_watts", lab,
                [seg_value(g["power"], seg, t0, t) for t in times])
            add("nvidia_smi_enforced_power_limit_watts", "gauge", "nvidia_smi_enforced_power_limit_watts",
                lab, [g["limit"]] * len(times))
            add("nvidia_smi_power_limit_watts", "gauge", "nvidia_smi_power_limit_watts", lab,
                [g["limit"]] * len(times))
            add("nvidia_smi_gpu_info", "gauge", "nvidia_smi_gpu_info",
                dict(lab, name=g["name"], driver_version="550.54.15", vbios_version="x"),
                [1.0] * len(times))

    # "grid": [{"file": CSV, "labels": {...}}]: the intensity of an hourly file
    # as a gauge (labels without instance: every node's; with: that node's).
    for gspec in spec.get("grid", []):
        rows, end = read_intensity(gspec["file"], gspec.get("column", "lca"))
        starts = [t for t, _ in rows]
        gaps = []
        vals = [rows[max(0, bisect.bisect_right(starts, t) - 1)][1] for t in times]
        add("grid_carbon_intensity_gco2_kwh", "gauge", "grid_carbon_intensity_gco2_kwh",
            gspec["labels"], vals)

    def fmt_labels(labels):
        return ",".join('%s="%s"' % (k, v) for k, v in sorted(labels.items()))

    with open(out, "w") as f:
        for family, (kind, series) in fams.items():
            f.write("# TYPE %s %s\n" % (family, kind))
            for name, labels, values, gaps in series:
                ls = fmt_labels(labels)
                f.write("".join("%s{%s} %r %d\n" % (name, ls, v, t * 1000 if ms else t)
                                for t, v in zip(times, values)
                                if not any(a <= t < b for a, b in gaps)))
        if not ms:
            f.write("# EOF\n")


def write_dcgm(node, times, t0, seg, step, add):
    """NVIDIA dcgm-exporter series: utilisation in percent, power in watts and
    a total energy counter in millijoules, named by Hostname."""
    inst = {"instance": node["host"] + "-dcgm:9400", "job": "dcgm", "Hostname": node["host"]}
    for i, g in enumerate(node.get("gpus", [])):
        lab = dict(inst, gpu=str(i), UUID=g["uuid"], modelName=g["name"], device="nvidia%d" % i)
        add("DCGM_FI_DEV_GPU_UTIL", "gauge", "DCGM_FI_DEV_GPU_UTIL", lab,
            [100.0 * seg_value(g["util"], seg, t0, t) for t in times])
        # gauge_scale lets a test make the gauge disagree, to see the counter win.
        add("DCGM_FI_DEV_POWER_USAGE", "gauge", "DCGM_FI_DEV_POWER_USAGE", lab,
            [g.get("gauge_scale", 1.0) * seg_value(g["power"], seg, t0, t) for t in times])
        energy, e = [], 5.0e9
        for k, t in enumerate(times):
            if k > 0:
                e += 1000.0 * seg_value(g["power"], seg, t0, times[k - 1]) * step
            energy.append(e)
        add("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "counter", "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION",
            lab, energy)


def mean_over(segments, seg_len, t0, start, end, step):
    """Time-weighted mean of a piecewise-constant parameter over [start, end]."""
    total, t = 0.0, start
    while t < end:
        nxt = min(end, t0 + (int((t - t0) // seg_len) + 1) * seg_len)
        total += seg_value(segments, seg_len, t0, t) * (nxt - t)
        t = nxt
    return total / (end - start)


def expect(spec, start, end, measured=True, cfg=None):
    """Expected report per node, from doc/reference.md §6 with the spec's parameters."""
    cfg = cfg or {}
    cpu_default = cfg.get("cpu", {"tdp_watts": 120, "idle_watts": 0})
    gpu_default = cfg.get("gpu", {"tdp_watts": 250, "idle_watts": 0})
    w_per_gib = cfg.get("ram_watts_per_gib", 0.375)
    t0, seg, step = spec["t0"], spec["segment"], spec["step"]
    d = end - start
    out = {}
    for node in spec["nodes"]:
        u = mean_over(node["cpu_util"], seg, t0, start, end, step)
        used = mean_over(node["ram_used_gib"], seg, t0, start, end, step)
        ov = cfg.get("nodes", {}).get(node["host"], {})
        if "cpu" in ov:
            tdp, idle = ov["cpu"]["tdp_watts"], ov["cpu"].get("idle_watts", 0)
        else:
            tdp, idle = node["cpu_tdp_table"], cpu_default.get("idle_watts", 0)
        cpu_w = idle + (tdp - idle) * u
        ram_w = w_per_gib * used
        gpu_w, gutil = 0.0, []
        for g in node.get("gpus", []):
            gu = mean_over(g["util"], seg, t0, start, end, step)
            gutil.append(gu)
            if measured:
                gpu_w += mean_over(g["power"], seg, t0, start, end, step)
            else:
                gidle = gpu_default.get("idle_watts", 0)
                gpu_w += gidle + (g["limit"] - gidle) * gu
        power = cpu_w + ram_w + gpu_w
        out[node["host"]] = {
            "cpu_util_pct": 100 * u,
            "ram_used_gib": used,
            "ram_util_pct": 100 * used / node["mem_gib"],
            "gpu_count": len(node.get("gpus", [])),
            "gpu_util_pct": 100 * sum(gutil) / len(gutil) if gutil else None,
            "cpu_power_w": cpu_w,
            "ram_power_w": ram_w,
            "gpu_power_w": gpu_w if gutil else None,
            "power_w": power,
            "energy_wh": power * d / 3600.0,
            "energy_j": power * d,
        }
    return out


def read_intensity(path, column="lca"):
    """[(start, g)] sorted, and the end of the last row, from either form of file
    (read independently of powertest: the test's truth)."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    head = [h.strip().lower() for h in rows[0]]
    out = []
    if head == ["time", "g_per_kwh"]:
        for t, g in rows[1:]:
            if t.replace(".", "").isdigit():
                ts = float(t)
            else:
                ts = datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp()
            out.append((ts, float(g)))
    else:
        ti = head.index("datetime (utc)")
        want = "(direct)" if column == "direct" else "(lca)"
        gi = [i for i, h in enumerate(head) if h.startswith("carbon intensity") and want in h][0]
        for r in rows[1:]:
            ts = datetime.datetime.strptime(r[ti], "%Y-%m-%d %H:%M:%S").replace(
                tzinfo=datetime.timezone.utc).timestamp()
            out.append((ts, float(r[gi])))
    out.sort()
    steps = [b[0] - a[0] for a, b in zip(out, out[1:])]
    return out, out[-1][0] + (min(steps) if steps else 3600)


def co2(spec, start, end, measured, cfg, table, pue):
    """CO2 per node over [start, end]: the window cut at the intensity's hours,
    each piece's energy from the parameters x PUE x its intensity."""
    rows, _ = table
    starts = [t for t, _ in rows]
    cuts = sorted({start, end} | {t for t in starts if start < t < end})
    total = {}
    for a, b in zip(cuts, cuts[1:]):
        g = rows[bisect.bisect_right(starts, a) - 1][1]
        for host, e in expect(spec, a, b, measured, cfg).items():
            total[host] = total.get(host, 0.0) + e["energy_wh"] / 1000.0 * pue * g
    return total


def intensity(t0, hours, out, form="plain", seed=3):
    """An hourly intensity from t0 swinging between 60 and 480 g/kWh, with its
    direct part about 70% of the life-cycle figure."""
    rnd = random.Random(seed)
    with open(out, "w", newline="", encoding="utf-8") as f:
        if form == "em":
            f.write("Datetime (UTC),Country,Zone Name,Zone Id,Carbon Intensity gCO\u2082eq/kWh "
                    "(direct),Carbon Intensity gCO\u2082eq/kWh (LCA),Low Carbon Percentage,"
                    "Renewable Percentage,Data Source,Data Estimated,Data Estimation Method\n")
        else:
            f.write("time,g_per_kwh\n")
        for h in range(hours):
            t = t0 + 3600 * h
            lca = round(rnd.uniform(60, 180) if h % 2 == 0 else rnd.uniform(300, 480), 2)
            if form == "em":
                ts = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
                f.write("%s,Testland,Testland,TL,%.2f,%.2f,50,40,test,false,\n" % (
                    ts.strftime("%Y-%m-%d %H:%M:%S"), lca * 0.7, lca))
            elif form == "unix":
                f.write("%d,%.2f\n" % (t, lca))
            else:
                ts = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
                f.write("%s,%.2f\n" % (ts.strftime("%Y-%m-%dT%H:%M:%SZ"), lca))


def lab(n, t0, hours, seed=7):
    """A reproducible N-node lab: a third CPU-only, a third 1 GPU, a third 2 GPUs."""
    rnd = random.Random(seed)
    cpus = [("Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz", 270.0),
            ("AMD EPYC 7763 64-Core Processor", 280.0)]
    gpus = [("NVIDIA A100-SXM4-40GB", 400.0), ("NVIDIA H100 80GB HBM3", 700.0), ("Tesla T4", 70.0)]
    step, seg = 15, 600
    nodes = []
    for i in range(n):
        model, tdp = cpus[i % 2]
        node = {"host": "node%04d" % i, "cpus": 2, "cpu_model": model, "cpu_tdp_table": tdp,
                "mem_gib": 64, "cpu_util": [round(rnd.uniform(0, 1), 3) for _ in range(6)],
                "ram_used_gib": [round(rnd.uniform(1, 60), 2) for _ in range(6)], "gpus": []}
        for j in range(i % 3):
            name, limit = gpus[(i + j) % 3]
            node["gpus"].append({"uuid": "GPU-%04d-%d" % (i, j), "name": name, "limit": limit,
                                 "util": [round(rnd.uniform(0, 1), 3) for _ in range(6)],
                                 "power": [round(rnd.uniform(0.1, 1) * limit, 1) for _ in range(6)]})
        nodes.append(node)
    return {"t0": t0, "step": step, "segment": seg, "samples": int(hours * 3600 // step) + 1,
            "nodes": nodes}


def main(argv):
    if len(argv) >= 4 and argv[1] == "write":
        write(json.load(open(argv[2])), argv[3], "--ms" in argv)
    elif len(argv) >= 5 and argv[1] == "expect":
        cfg = None
        if "--config" in argv:
            cfg = json.load(open(argv[argv.index("--config") + 1]))
        spec, start, end = json.load(open(argv[2])), float(argv[3]), float(argv[4])
        measured = "--no-measured" not in argv
        out = expect(spec, start, end, measured, cfg)
        if "--intensity" in argv:
            pue = float(argv[argv.index("--pue") + 1]) if "--pue" in argv else 1.0
            files = {None: argv[argv.index("--intensity") + 1]}
            for i, a in enumerate(argv):
                if a == "--node-intensity":
                    host, path = argv[i + 1].split("=", 1)
                    files[host] = path
            for host in out:
                path = files.get(host, files[None])
                column = "lca"
                if ":" in path and path.rsplit(":", 1)[1] in ("lca", "direct"):
                    path, column = path.rsplit(":", 1)
                c = co2(spec, start, end, measured, cfg, read_intensity(path, column), pue)
                out[host]["co2_g"] = c[host]
        json.dump(out, sys.stdout, indent=1)
    elif len(argv) >= 5 and argv[1] == "intensity":
        form = "em" if "--em" in argv else "unix" if "--plain-unix" in argv else "plain"
        seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 3
        intensity(int(argv[2]), int(argv[3]), argv[4], form, seed)
    elif len(argv) == 6 and argv[1] == "lab":
        json.dump(lab(int(argv[2]), int(argv[3]), float(argv[4])), open(argv[5], "w"))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
