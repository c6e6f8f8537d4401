#!/usr/bin/env python3
"""history.py - synthetic lab history with known values, for backfill tests and the benchmark.

Writes OpenMetrics text that `promtool tsdb create-blocks-from openmetrics`
turns into TSDB blocks: node_exporter series (CPU seconds per CPU and mode,
memory, cpu info) on HOST:9100 and nvidia_gpu_exporter series on HOST:9835,
all piecewise constant per segment, scraped every STEP seconds. A node may
also have meters, with the exporters' real names: "rapl": "names" or "zone"
(node_exporter's RAPL counters with or without --collector.rapl.enable-zone-
label, package split over two sockets, a core zone that must not be added,
dram from "ram_power"), "kepler": true (kepler_node_cpu_joules_total, from
"kepler_cpu_power" / "kepler_ram_power"), "scaphandre": true (socket power
from "scaph_cpu_power", PSYS from "wall_power"), "jetson": true (module input
from "wall_power"), "wall": "ipmi", "ipmi_current" or "redfish" (from
"wall_power"), "gpu_exporter": "dcgm", "amd" (ROCm device-metrics-exporter),
"amd_smi" (amd_smi_exporter) or "intel" (XPU Manager) instead of
nvidia_gpu_exporter. Because the
utilisation and power of every segment are parameters, the expected report of
any window can be computed here from the model's formulas (doc/reference.md §6), independently of
powertest's C code.

  history.py write SPEC.json OUT.om [--ms] [--from T] [--to T]
                                            write the OpenMetrics file (--ms: text
                                            format with ms timestamps, for VictoriaMetrics;
                                            --from/--to: only the samples at
                                            FROM <= t < TO, counters continuing
                                            from the earlier pieces)
  history.py expect SPEC.json START END [--no-measured] [--config CFG.json] [--sources]
                                            print expected per-node figures (JSON;
                                            --sources: with the source columns and
                                            other_power_w)
  history.py lab N_NODES T0 HOURS OUT.json [--meters] [--step S]
                                            make a SPEC for an N-node lab (--meters:
                                            RAPL, Kepler, IPMI and Redfish on a
                                            share of the nodes, see lab(); --step:
                                            seconds between samples, default 15,
                                            a divisor of 600)
                                            [--intensity FILE [--node-intensity HOST=FILE]...
                                             --pue P]  with expect: add co2_g, the energy
                                            of each hour of the intensity file (and of
                                            each segment) x PUE x that hour's intensity
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


def write(spec, out, ms=False, lo=None, hi=None):
    """OpenMetrics (seconds, # EOF) for promtool; with ms, the Prometheus text
    format with millisecond timestamps that VictoriaMetrics imports. With lo
    and hi, only the samples at lo <= t < hi: a long history written (and
    backfilled) a piece at a time, each piece as that part of the whole."""
    t0, seg, step = spec["t0"], spec["segment"], spec["step"]
    times = [t for t in samples(spec) if (lo is None or t >= lo) and (hi is None or t < hi)]
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
        busy = node["cpu_util"]
        for cpu in range(ncpu):
            idle = counter([1.0 - u for u in busy], times, t0, seg, step, 1.0, 1000.0)
            user = counter(busy, times, t0, seg, step, 1.0, 1000.0)
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
        write_meters(node, times, t0, seg, step, add, scrapes)
        if node.get("gpu_exporter") == "dcgm":
            write_dcgm(node, times, t0, seg, step, add)
            continue
        if node.get("gpu_exporter") in ("amd", "amd_smi", "intel"):
            write_gpu_other(node, times, t0, seg, step, add, scrapes)
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
        energy = counter(g["power"], times, t0, seg, step, 1000.0, 5.0e9)
        add("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "counter", "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION",
            lab, energy)


def before(segments, seg, t0, step, t):
    """What a counter of the parameter has gained from t0 to the sample at t:
    the sum of value x step over the samples t0, t0 + step, ... before t
    (whole cycles of the segments at once when a segment holds whole steps)."""
    n = int(round((t - t0) / step))
    if seg % step:
        return sum(seg_value(segments, seg, t0, t0 + j * step) * step for j in range(n))
    per = seg // step
    full, rest = divmod(n, per)
    cycles, part = divmod(full, len(segments))
    return step * (per * (cycles * sum(segments) + sum(segments[:part])) + rest * segments[part])


def counter(segments, times, t0, seg, step, scale=1.0, start=1.0e6):
    """An energy counter from piecewise-constant power: each interval adds the
    power at its start times its length (scale: joules to the unit). times may
    be a slice of the history: the counter then starts where the whole history
    has brought it."""
    out, e = [], start
    if times and times[0] > t0:
        e += scale * before(segments, seg, t0, step, times[0])
    for k, t in enumerate(times):
        if k > 0:
            e += scale * seg_value(segments, seg, t0, times[k - 1]) * step
        out.append(e)
    return out


def write_meters(node, times, t0, seg, step, add, scrapes):
    """RAPL (node_exporter), Kepler and wall meters of a node, as their exporters name them."""
    host = node["host"]
    inst = {"instance": host + ":9100", "job": "node"}
    rapl = node.get("rapl")
    if rapl:
        # Two sockets sharing the package power, a core zone inside the
        # package (never to be added), and DRAM when "ram_power" is given.
        zones = [("package", node["cpu_power"], 0.5, "intel-rapl:%d"),
                 ("core", node["cpu_power"], 0.3, "intel-rapl:%d:0")]
        if node.get("ram_power"):
            zones.append(("dram", node["ram_power"], 0.5, "intel-rapl:%d:1"))
        for zone, power, share, path in zones:
            for sock in range(2):
                lab = dict(inst, index=str(sock), path=path % sock)
                values = counter(power, times, t0, seg, step, share, 1.0e5 * (sock + 1))
                if rapl == "zone":
                    add("node_rapl_joules", "counter", "node_rapl_joules_total",
                        dict(lab, rapl_zone=zone), values)
                else:
                    add("node_rapl_%s_joules" % zone, "counter", "node_rapl_%s_joules_total" % zone,
                        lab, values)
    if node.get("kepler"):
        kinst = {"instance": host + "-kepler:28282", "job": "kepler", "node_name": host}
        scrapes(kinst)
        for zone, power, share in (("package", node["kepler_cpu_power"], 1.0),
                                   ("core", node["kepler_cpu_power"], 0.4),
                                   ("dram", node["kepler_ram_power"], 1.0)):
            add("kepler_node_cpu_joules", "counter", "kepler_node_cpu_joules_total",
                dict(kinst, zone=zone, path="/sys/class/powercap/intel-rapl:0"),
                counter(power, times, t0, seg, step, share))
    if node.get("scaphandre"):
        # Scaphandre: socket power in microwatts (gauges), the PSYS counter in microjoules.
        sinst = {"instance": host + ":8080", "job": "scaphandre"}
        scrapes(sinst)
        for sock in range(2):
            add("scaph_socket_power_microwatts", "gauge", "scaph_socket_power_microwatts",
                dict(sinst, socket_id=str(sock)),
                [0.5e6 * seg_value(node["scaph_cpu_power"], seg, t0, t) for t in times])
        add("scaph_host_rapl_psys_microjoules", "counter", "scaph_host_rapl_psys_microjoules", sinst,
            counter(node["wall_power"], times, t0, seg, step, 1.0e6))
    if node.get("jetson"):
        # A jtop-based exporter: the module's total input in milliwatts.
        jinst = {"instance": host + ":9401", "job": "jetson"}
        scrapes(jinst)
        add("jetson_power_total_mw", "gauge", "jetson_power_total_mw", dict(jinst, type="current"),
            [1000.0 * seg_value(node["wall_power"], seg, t0, t) for t in times])
        add("jetson_power_total_mw", "gauge", "jetson_power_total_mw", dict(jinst, type="average"),
            [1.0] * len(times))
    wall = node.get("wall")
    if wall in ("ipmi", "ipmi_current"):
        winst = {"instance": host + ":9290", "job": "ipmi"}
        scrapes(winst)
        name = "ipmi_dcmi_power_consumption_%swatts" % ("current_" if wall == "ipmi_current" else "")
        add(name, "gauge", name, winst, [seg_value(node["wall_power"], seg, t0, t) for t in times])
    elif wall == "redfish":
        winst = {"instance": host + ":9610", "job": "redfish"}
        scrapes(winst)
        # The same draw under the system and its enclosure: the largest counts, not the sum.
        for chassis in ("System.Embedded.1", "Enclosure.Internal.0-1"):
            add("redfish_chassis_power_average_consumed_watts", "gauge",
                "redfish_chassis_power_average_consumed_watts",
                dict(winst, resource="power_wattage", chassis_id=chassis, power_id="0"),
                [seg_value(node["wall_power"], seg, t0, t) for t in times])


def write_gpu_other(node, times, t0, seg, step, add, scrapes):
    """AMD device-metrics-exporter or Intel XPU Manager series."""
    host = node["host"]
    if node["gpu_exporter"] == "amd":
        ginst = {"instance": host + ":5000", "job": "amd", "hostname": host}
    elif node["gpu_exporter"] == "amd_smi":
        ginst = {"instance": host + ":2021", "job": "amd_smi"}
    else:
        ginst = {"instance": host + ":29999", "job": "xpum"}
    if node.get("gpus"):
        scrapes(ginst)
    for i, g in enumerate(node.get("gpus", [])):
        util = [100.0 * seg_value(g["util"], seg, t0, t) for t in times]
        power = [seg_value(g["power"], seg, t0, t) for t in times]
        if node["gpu_exporter"] == "amd_smi":
            # amd_smi_exporter: the GPU's index in a label named after the metric;
            # power in microwatts.
            add("amd_gpu_use_percent", "gauge", "amd_gpu_use_percent",
                dict(ginst, gpu_use_percent=str(i), productname=g["name"]), util)
            add("amd_gpu_power", "gauge", "amd_gpu_power",
                dict(ginst, gpu_power=str(i), productname=g["name"]), [1e6 * p for p in power])
            continue
        if node["gpu_exporter"] == "amd":
            lab = dict(ginst, gpu_id=str(i), serial_number=g["uuid"], card_model=g["name"],
                       gpu_partition_id="0")
            add("gpu_gfx_activity", "gauge", "gpu_gfx_activity", lab, util)
            add("gpu_power_usage", "gauge", "gpu_power_usage", lab, power)
            add("gpu_energy_consumed", "counter", "gpu_energy_consumed", lab,
                counter(g["power"], times, t0, seg, step, 1.0e6))
        else:
            lab = dict(ginst, uuid=g["uuid"], dev_name=g["name"], pci_bdf="0000:%02x:00.0" % i,
                       vendor="Intel(R) Corporation", pci_dev="0x56c0")
            add("xpum_engine_ratio", "gauge", "xpum_engine_ratio", lab, util)
            add("xpum_power_watts", "gauge", "xpum_power_watts", lab, power)
            add("xpum_energy_joules", "counter", "xpum_energy_joules", lab,
                counter(g["power"], times, t0, seg, step))


def mean_over(segments, seg_len, t0, start, end, step):
    """Time-weighted mean of a piecewise-constant parameter over [start, end]."""
    total, t = 0.0, start
    while t < end:
        nxt = min(end, t0 + (int((t - t0) // seg_len) + 1) * seg_len)
        total += seg_value(segments, seg_len, t0, t) * (nxt - t)
        t = nxt
    return total / (end - start)


def expect(spec, start, end, measured=True, cfg=None, sources=False):
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
        cpu_src = ram_src = "model"
        if measured and node.get("rapl"):
            cpu_w, cpu_src = mean_over(node["cpu_power"], seg, t0, start, end, step), "rapl"
            if node.get("ram_power"):
                ram_w, ram_src = mean_over(node["ram_power"], seg, t0, start, end, step), "rapl"
        if measured and node.get("scaphandre") and cpu_src == "model":
            cpu_w, cpu_src = mean_over(node["scaph_cpu_power"], seg, t0, start, end, step), "scaphandre"
        if measured and node.get("kepler"):
            if cpu_src == "model":
                cpu_w, cpu_src = mean_over(node["kepler_cpu_power"], seg, t0, start, end, step), "kepler"
            if ram_src == "model":
                ram_w, ram_src = mean_over(node["kepler_ram_power"], seg, t0, start, end, step), "kepler"
        gpu_w, gutil = 0.0, []
        for g in node.get("gpus", []):
            gu = mean_over(g["util"], seg, t0, start, end, step)
            gutil.append(gu)
            if measured:
                gpu_w += mean_over(g["power"], seg, t0, start, end, step)
            else:
                gidle = gpu_default.get("idle_watts", 0)
                gpu_w += gidle + (g["limit"] - gidle) * gu
        parts = cpu_w + ram_w + gpu_w
        power, other, power_src = parts, None, "sum"
        wall = node.get("wall") or ("scaphandre" if node.get("scaphandre") else
                                    "jetson" if node.get("jetson") else None)
        if measured and wall:
            power = mean_over(node["wall_power"], seg, t0, start, end, step)
            other, power_src = power - parts, wall.replace("_current", "")
        gpu_src = "none"
        if gutil:
            gpu_src = {"dcgm": "dcgm", "amd": "amd", "amd_smi": "amd_smi", "intel": "intel"}.get(
                node.get("gpu_exporter"), "nvidia_smi") if measured else "model"
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
        if sources:
            out[node["host"]].update({
                "other_power_w": other,
                "other_energy_wh": other * d / 3600.0 if other is not None else None,
                "cpu_energy_wh": cpu_w * d / 3600.0,
                "ram_energy_wh": ram_w * d / 3600.0,
                "cpu_source": cpu_src, "ram_source": ram_src, "gpu_source": gpu_src,
                "power_source": power_src,
            })
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


def lab(n, t0, hours, seed=7, meters=False, step=15):
    """A reproducible N-node lab: a third CPU-only, a third 1 GPU, a third 2 GPUs.
    With meters, of every five nodes: RAPL (names) + IPMI, RAPL (zone label)
    + Redfish, Kepler, dcgm-exporter for the GPUs, and one model-only."""
    rnd = random.Random(seed)
    cpus = [("Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz", 270.0),
            ("AMD EPYC 7763 64-Core Processor", 280.0)]
    gpus = [("NVIDIA A100-SXM4-40GB", 400.0), ("NVIDIA H100 80GB HBM3", 700.0), ("Tesla T4", 70.0)]
    seg = 600
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
        if meters:
            cpu_w = [round(rnd.uniform(60, 250), 1) for _ in range(6)]
            ram_w = [round(rnd.uniform(5, 30), 1) for _ in range(6)]
            wall_w = [round(c + r + 150 + 100 * len(node["gpus"]), 1) for c, r in zip(cpu_w, ram_w)]
            kind = i % 5
            if kind in (0, 1):
                node.update({"rapl": "names" if kind == 0 else "zone", "cpu_power": cpu_w,
                             "ram_power": ram_w, "wall": "ipmi" if kind == 0 else "redfish",
                             "wall_power": wall_w})
            elif kind == 2:
                node.update({"kepler": True, "kepler_cpu_power": cpu_w, "kepler_ram_power": ram_w})
            elif kind == 3:
                node["gpu_exporter"] = "dcgm"
        nodes.append(node)
    return {"t0": t0, "step": step, "segment": seg, "samples": int(hours * 3600 // step) + 1,
            "nodes": nodes}


def main(argv):
    if len(argv) >= 4 and argv[1] == "write":
        lo = int(argv[argv.index("--from") + 1]) if "--from" in argv else None
        hi = int(argv[argv.index("--to") + 1]) if "--to" in argv else None
        write(json.load(open(argv[2])), argv[3], "--ms" in argv, lo, hi)
    elif len(argv) >= 5 and argv[1] == "expect":
        cfg = None
        if "--config" in argv:
            cfg = json.load(open(argv[argv.index("--config") + 1]))
        spec, start, end = json.load(open(argv[2])), float(argv[3]), float(argv[4])
        measured = "--no-measured" not in argv
        out = expect(spec, start, end, measured, cfg, "--sources" in argv)
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
    elif len(argv) >= 6 and argv[1] == "lab":
        step = int(argv[argv.index("--step") + 1]) if "--step" in argv else 15
        if step <= 0 or 600 % step:
            sys.stderr.write("history.py: --step must divide 600\n")
            return 2
        json.dump(lab(int(argv[2]), int(argv[3]), float(argv[4]), meters="--meters" in argv[6:],
                      step=step), open(argv[5], "w"))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
