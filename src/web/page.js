/* page.js - draws powertest's HTML report and serve's live page: totals, charts (uPlot), a sortable table and the model's assumptions.
 *
 * The data is CSV text exactly as powertest writes it: embedded in the file
 * (#pt-data), or fetched from serve's /report.csv and /export.csv. Every cell
 * is shown as the CSV has it, so the page's numbers are the CSV's; totals are
 * sums written with the column's decimals. Labels come from users: they only
 * ever reach the page as text (textContent), never as markup. */
(function () {
	"use strict";

	var PAGE = 500; /* table rows per page */
	var MAX_BARS = 40; /* devices in the per-device chart */
	var data = JSON.parse(document.getElementById("pt-data").textContent);
	var COLS = data.columns || {};
	var charts = [];

	function $(id) { return document.getElementById(id); }

	function el(tag, cls, text) {
		var e = document.createElement(tag);
		if (cls) e.className = cls;
		if (text !== undefined && text !== null) e.textContent = text;
		return e;
	}

	function clear(e) {
		while (e.firstChild) e.removeChild(e.firstChild);
	}

	/* RFC 4180 CSV: quoted fields may hold commas, quotes and newlines. Lines
	 * without a quote (nearly all) are split directly. */
	function parseCsv(text) {
		var lines, rows = [], k;
		if (text.indexOf("\"") < 0 && text.indexOf("\r") < 0) {
			lines = text.split("\n");
			if (lines.length && lines[lines.length - 1] === "") lines.pop();
			for (k = 0; k < lines.length; k++) rows.push(lines[k].split(","));
			if (!rows.length) return { cols: [], rows: [] };
			return { cols: rows[0], rows: rows.slice(1) };
		}
		return parseQuoted(text);
	}

	function parseQuoted(text) {
		var rows = [], row = [], field = "", i = 0, n = text.length, c, q = false;
		while (i < n) {
			c = text[i];
			if (q) {
				if (c === "\"") {
					if (text[i + 1] === "\"") { field += "\""; i += 2; continue; }
					q = false; i++; continue;
				}
				field += c; i++; continue;
			}
			if (c === "\"") { q = true; i++; continue; }
			if (c === ",") { row.push(field); field = ""; i++; continue; }
			if (c === "\r") { i++; continue; }
			if (c === "\n") { row.push(field); rows.push(row); row = []; field = ""; i++; continue; }
			field += c; i++;
		}
		if (field !== "" || row.length) { row.push(field); rows.push(row); }
		if (!rows.length) return { cols: [], rows: [] };
		return { cols: rows[0], rows: rows.slice(1) };
	}

	function colIndex(t, name) { return t ? t.cols.indexOf(name) : -1; }

	/* [unit, decimals] of a column of a table of this schema. */
	function colInfo(schema, name) {
		return COLS[(schema === "batch" ? "report" : schema) + ":" + name] || ["", -1];
	}

	function num(s) { return s === "" || s === undefined ? NaN : Number(s); }

	function fixed(v, dec) {
		if (!isFinite(v)) return "";
		var s = v.toFixed(dec < 0 ? 3 : dec);
		return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
	}

	function setStatus(text, isError) {
		var s = $("pt-status");
		s.textContent = text || "";
		s.className = isError ? "pt-error" : "";
	}

	/* ---- totals ---- */

	function sumCol(t, name) {
		var i = colIndex(t, name), s = 0, any = false;
		if (i < 0) return NaN;
		t.rows.forEach(function (r) { var v = num(r[i]); if (isFinite(v)) { s += v; any = true; } });
		return any ? s : NaN;
	}

	function totals(view) {
		var box = $("pt-totals"), t = view.rows, schema = view.schema, list = [];
		var energy = NaN, co2 = NaN, dur = NaN, ei, ni, ti, si, ee, di, seen;
		clear(box);
		if (schema === "export") {
			/* Energy and CO2 are cumulative: each node's last value. */
			ei = colIndex(t, "energy_wh"); ni = colIndex(t, "node"); ti = colIndex(t, "time");
			var ci = colIndex(t, "co2_g"), last = {}, lastc = {};
			t.rows.forEach(function (r) {
				var v = num(r[ei]), c = ci >= 0 ? num(r[ci]) : NaN;
				if (isFinite(v)) last[r[ni]] = v;
				if (isFinite(c)) lastc[r[ni]] = c;
			});
			Object.keys(last).forEach(function (k) { energy = (isFinite(energy) ? energy : 0) + last[k]; });
			Object.keys(lastc).forEach(function (k) { co2 = (isFinite(co2) ? co2 : 0) + lastc[k]; });
			if (t.rows.length > 1)
				dur = (Date.parse(t.rows[t.rows.length - 1][ti]) - Date.parse(t.rows[0][ti])) / 1000;
		} else {
			energy = sumCol(t, "energy_wh");
			co2 = sumCol(t, "co2_g");
			/* Each window once: (task, start, end). */
			si = colIndex(t, "start"); ee = colIndex(t, "end"); di = colIndex(t, "duration_s");
			ti = colIndex(t, "task");
			seen = {};
			t.rows.forEach(function (r) {
				var k = r[ti] + "\u0000" + r[si] + "\u0000" + r[ee], v = num(r[di]);
				if (di >= 0 && !(k in seen) && isFinite(v)) {
					seen[k] = 1;
					dur = (isFinite(dur) ? dur : 0) + v;
				}
			});
		}
		list.push(["energy_wh", "Energy", fixed(energy, colInfo(schema, "energy_wh")[1]), "Wh"]);
		list.push(["co2_g", "CO2", fixed(co2, colInfo("report", "co2_g")[1]), "g"]);
		list.push(["duration_s", "Duration", fixed(dur, 3), "s"]);
		list.push(["rows", "Rows", String(t.rows.length), ""]);
		list.forEach(function (x) {
			var d = el("div", "pt-total");
			d.setAttribute("data-total", x[0]);
			d.appendChild(el("span", "pt-total-name", x[1]));
			d.appendChild(el("span", "pt-total-value", x[2] === "" ? "-" : x[2]));
			d.appendChild(el("span", "pt-total-unit", x[3]));
			box.appendChild(d);
		});
	}

	/* ---- charts ---- */

	function color(i) {
		return "hsl(" + Math.round((i * 137.508) % 360) + ",65%,45%)";
	}

	function chartWidth() {
		return Math.max(320, Math.min(1100, ($("pt-charts").clientWidth || 900) - 20));
	}

	function addChart(opts, dat) {
		var box = el("div", "pt-chart");
		$("pt-charts").appendChild(box);
		opts.width = chartWidth();
		opts.height = 280;
		charts.push(new uPlot(opts, dat, box));
	}

	/* Lines over time from export rows: power, cumulative energy and CO2 per node. */
	function timeCharts(t) {
		var ti = colIndex(t, "time"), ni = colIndex(t, "node");
		var pi = colIndex(t, "power_w"), ei = colIndex(t, "energy_wh"), ci = colIndex(t, "co2_g");
		var times = [], tpos = {}, nodes = [], npos = {}, p = [], e = [], g = [], list;
		t.rows.forEach(function (r) {
			if (!(r[ti] in tpos)) { tpos[r[ti]] = times.length; times.push(Date.parse(r[ti]) / 1000); }
			if (!(r[ni] in npos)) { npos[r[ni]] = nodes.length; nodes.push(r[ni]); }
		});
		nodes.forEach(function () {
			p.push(new Array(times.length).fill(null));
			e.push(new Array(times.length).fill(null));
			g.push(new Array(times.length).fill(null));
		});
		t.rows.forEach(function (r) {
			var k = npos[r[ni]], j = tpos[r[ti]], a = num(r[pi]), b = num(r[ei]);
			var c = ci >= 0 ? num(r[ci]) : NaN;
			p[k][j] = isFinite(a) ? a : null;
			e[k][j] = isFinite(b) ? b : null;
			g[k][j] = isFinite(c) ? c : null;
		});
		list = [["Power per node", "W", p], ["Energy per node since the start", "Wh", e]];
		if (ci >= 0)
			list.push(["CO2 per node since the start", "g", g]);
		list.forEach(function (c) {
			var series = [{}];
			nodes.forEach(function (n, i) {
				series.push({ label: n, stroke: color(i), width: 1.5 });
			});
			addChart({
				title: c[0] + " (" + c[1] + ")",
				scales: { x: { time: true } },
				/* Times in UTC, as the table's. */
				tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"); },
				series: series,
				axes: [{}, { label: c[1], size: 70 }],
				legend: { show: nodes.length <= 40 }
			}, [times].concat(c[2]));
		});
	}

	/* Bars from rows: one bar per label. */
	function barChart(title, unit, labels, values) {
		var xs = labels.map(function (_, i) { return i; });
		addChart({
			title: title + " (" + unit + ")",
			scales: { x: { time: false, range: [-0.5, Math.max(labels.length - 0.5, 0.5)] } },
			series: [{ label: "" , value: function (u, v) { return v === null || labels[v] === undefined ? "--" : labels[v]; } },
				{ label: unit, fill: "rgba(40,110,180,0.55)", stroke: "rgb(40,110,180)",
					paths: uPlot.paths.bars({ size: [0.7, 60] }), points: { show: false } }],
			axes: [{
				splits: function () { return xs; },
				values: function (u, splits) {
					return splits.map(function (i) { return labels[i] === undefined ? "" : labels[i]; });
				},
				rotate: labels.length > 6 ? -50 : 0,
				size: labels.length > 6 ? 120 : 40
			}, { label: unit, size: 70 }]
		}, [xs, values]);
	}

	/* Per node from rows: energy and CO2 summed, power averaged over the rows. */
	function nodeBars(t, schema) {
		var ni = colIndex(t, "node"), ei = colIndex(t, "energy_wh"), pi = colIndex(t, "power_w");
		var gi = colIndex(t, "co2_g"), nodes = [], pos = {}, e = [], p = [], c = [], g = [];
		t.rows.forEach(function (r) {
			var k = r[ni], a = num(r[ei]), b = num(r[pi]), d = gi >= 0 ? num(r[gi]) : NaN;
			if (!(k in pos)) {
				pos[k] = nodes.length; nodes.push(k); e.push(null); p.push(0); c.push(0); g.push(null);
			}
			k = pos[k];
			if (isFinite(a)) e[k] = (e[k] || 0) + a;
			if (isFinite(b)) { p[k] += b; c[k]++; }
			if (isFinite(d)) g[k] = (g[k] || 0) + d;
		});
		barChart("Energy per node" + (schema === "batch" ? ", all windows" : ""), "Wh", nodes, e);
		if (gi >= 0)
			barChart("CO2 per node" + (schema === "batch" ? ", all windows" : ""), "g", nodes, g);
		barChart("Average power per node", "W", nodes,
			p.map(function (v, i) { return c[i] ? v / c[i] : null; }));
	}

	function deviceBars(t) {
		var ni = colIndex(t, "node"), di = colIndex(t, "device"), ei = colIndex(t, "energy_wh");
		var gi = colIndex(t, "co2_g"), labels = [], vals = [], co2 = [];
		t.rows.forEach(function (r) {
			var v = num(r[ei]), w = gi >= 0 ? num(r[gi]) : NaN;
			labels.push(r[ni] + " " + (r[di].length > 12 ? r[di].slice(0, 12) + "\u2026" : r[di]));
			vals.push(isFinite(v) ? v : null);
			co2.push(isFinite(w) ? w : null);
		});
		barChart("Energy per device", "Wh", labels, vals);
		if (gi >= 0)
			barChart("CO2 per device", "g", labels, co2);
	}

	function drawCharts(view) {
		charts.forEach(function (c) { c.destroy(); });
		charts = [];
		clear($("pt-charts"));
		if (view.series && view.series.rows.length)
			timeCharts(view.series);
		else if (view.schema !== "device" && view.rows.rows.length)
			nodeBars(view.rows, view.schema);
		/* Per device when there are few enough bars to read. */
		if (view.schema === "device" && view.rows.rows.length && view.rows.rows.length <= MAX_BARS)
			deviceBars(view.rows);
		else if (view.devices && view.devices.rows.length && view.devices.rows.length <= MAX_BARS)
			deviceBars(view.devices);
	}

	/* ---- table ---- */

	function drawTable(view) {
		var box = $("pt-table"), t = view.rows, schema = view.schema === "batch" ? "report" : view.schema;
		/* all: every row in the sort order; order: those the filter keeps. */
		var state = { col: -1, dir: 1, page: 0, all: t.rows.map(function (_, i) { return i; }), order: null };
		var find = el("input"), findTimer;
		var table = el("table", "pt-rows"), thead = el("thead"), tbody = el("tbody");
		var nav = el("div", "pt-pager"), prev = el("button", null, "previous"),
			next = el("button", null, "next"), where = el("span", "pt-where");
		var numeric = t.cols.map(function (c) { return colInfo(schema, c)[1] >= 0 || c === "energy_uj"; });
		var htr = el("tr");
		clear(box);
		box.appendChild(el("h2", null, "Rows"));
		prev.type = next.type = "button";
		find.type = "search";
		find.id = "pt-filter";
		find.placeholder = "filter rows: task, node, status...";
		find.setAttribute("aria-label", "filter rows");
		box.appendChild(el("div", "pt-find")).appendChild(find);
		state.order = state.all;
		t.cols.forEach(function (c, i) {
			var th = el("th"), unit = colInfo(schema, c)[0];
			var b = el("button", "pt-sort", c);
			b.type = "button";
			th.appendChild(b);
			if (unit) th.appendChild(el("span", "pt-unit", unit));
			if (numeric[i]) th.className = "pt-num";
			b.addEventListener("click", function () { sortBy(i); });
			htr.appendChild(th);
		});
		thead.appendChild(htr);
		table.appendChild(thead);
		table.appendChild(tbody);
		nav.appendChild(prev); nav.appendChild(where); nav.appendChild(next);
		box.appendChild(nav);
		box.appendChild(el("div", "pt-scroll")).appendChild(table);

		function sortBy(i) {
			state.dir = state.col === i ? -state.dir : 1;
			state.col = i;
			state.all.sort(function (a, b) {
				var x = t.rows[a][i], y = t.rows[b][i];
				if (x === "" || y === "") return x === y ? a - b : x === "" ? 1 : -1;
				if (numeric[i]) { x = Number(x); y = Number(y); }
				return x < y ? -state.dir : x > y ? state.dir : a - b;
			});
			Array.prototype.forEach.call(htr.children, function (th, k) {
				if (k === i) th.setAttribute("aria-sort", state.dir > 0 ? "ascending" : "descending");
				else th.removeAttribute("aria-sort");
			});
			filter();
		}

		/* Rows with a cell that holds the text (any case). */
		function filter() {
			var q = find.value.trim().toLowerCase();
			state.order = !q ? state.all : state.all.filter(function (k) {
				return t.rows[k].some(function (c) { return c.toLowerCase().indexOf(q) >= 0; });
			});
			state.page = 0;
			fill();
		}
		find.addEventListener("input", function () {
			clearTimeout(findTimer);
			findTimer = setTimeout(filter, 120);
		});

		function fill() {
			var n = state.order.length, pages = Math.max(1, Math.ceil(n / PAGE)), from = state.page * PAGE;
			var to = Math.min(n, from + PAGE), frag = document.createDocumentFragment(), k;
			for (k = from; k < to; k++) {
				var r = t.rows[state.order[k]], tr = document.createElement("tr");
				for (var j = 0; j < t.cols.length; j++) {
					var td = document.createElement("td");
					td.textContent = r[j] === undefined ? "" : r[j];
					if (numeric[j]) td.className = "pt-num";
					tr.appendChild(td);
				}
				frag.appendChild(tr);
			}
			clear(tbody);
			tbody.appendChild(frag);
			where.textContent = (n ? "rows " + (from + 1) + "\u2013" + to + " of " + n : "no rows") +
				(n < t.rows.length ? " (filtered from " + t.rows.length + ")" : "");
			prev.disabled = state.page === 0;
			next.disabled = state.page >= pages - 1;
			nav.hidden = pages < 2 && n === t.rows.length;
		}
		prev.addEventListener("click", function () { if (state.page > 0) { state.page--; fill(); } });
		next.addEventListener("click", function () {
			if ((state.page + 1) * PAGE < state.order.length) { state.page++; fill(); }
		});
		fill();
	}

	/* ---- assumptions ---- */

	function drawAssumptions(view) {
		var box = $("pt-assumptions"), ul = el("ul"), devs = view.schema === "device" ? view.rows : view.devices;
		var rows = view.schema === "device" ? null : view.rows, seen = {};
		clear(box);
		box.appendChild(el("h2", null, "Assumptions"));
		(view.notes || []).forEach(function (n) { ul.appendChild(el("li", null, n)); });
		if (rows && colIndex(rows, "pue") >= 0) {
			var pi = colIndex(rows, "pue"), ci = colIndex(rows, "carbon_intensity_g_per_kwh");
			rows.rows.forEach(function (r) { seen["PUE " + r[pi] + ", carbon intensity " + r[ci] + " g/kWh (in the rows)"] = 1; });
			Object.keys(seen).forEach(function (k) { ul.appendChild(el("li", null, k)); });
		}
		if (rows && colIndex(rows, "cpu_source") >= 0) {
			var cs = colIndex(rows, "cpu_source"), rs = colIndex(rows, "ram_source");
			var gs = colIndex(rows, "gpu_source"), ps = colIndex(rows, "power_source"), cnt = {};
			rows.rows.forEach(function (r) {
				var k = "CPU " + r[cs] + (rs >= 0 ? ", RAM " + r[rs] : "") + ", GPU " + r[gs] +
					(ps >= 0 && r[ps] !== "sum" && r[ps] !== "" ? ", wall meter " + r[ps] : "");
				cnt[k] = (cnt[k] || 0) + 1;
			});
			Object.keys(cnt).forEach(function (k) {
				ul.appendChild(el("li", null, "Power sources " + k + ": " + cnt[k] + " row" + (cnt[k] === 1 ? "" : "s")));
			});
		}
		box.appendChild(ul);
		if (!devs || !devs.rows.length) return;
		/* TDPs: each (device kind, model, TDP, source) once, with its nodes. */
		var di = colIndex(devs, "device"), mi = colIndex(devs, "model"), ti = colIndex(devs, "tdp_watts");
		var si = colIndex(devs, "tdp_source"), ni = colIndex(devs, "node"), groups = {}, keys = [];
		devs.rows.forEach(function (r) {
			if (r[ti] === "") return;
			var kind = r[di] === "cpu" || r[di] === "ram" ? r[di] : "gpu";
			var k = [kind, r[mi], r[ti], r[si]].join("\u0000");
			if (!(k in groups)) { groups[k] = { v: [kind, r[mi], r[ti], r[si]], nodes: {} }; keys.push(k); }
			groups[k].nodes[r[ni]] = 1;
		});
		if (!keys.length) return;
		var table = el("table", "pt-tdps"), tr = el("tr");
		["device", "model", "TDP (W)", "TDP from", "nodes"].forEach(function (h) { tr.appendChild(el("th", null, h)); });
		table.appendChild(el("thead")).appendChild(tr);
		var tb = el("tbody");
		keys.forEach(function (k) {
			var g = groups[k], row = el("tr"), n = Object.keys(g.nodes);
			g.v.forEach(function (v) { row.appendChild(el("td", null, v)); });
			row.appendChild(el("td", null, n.length > 6 ? n.length + " nodes" : n.join(", ")));
			tb.appendChild(row);
		});
		table.appendChild(tb);
		box.appendChild(el("h3", null, "TDPs"));
		box.appendChild(table);
	}

	/* ---- the page ---- */

	function draw(view) {
		var start = view.rows.rows.length ? view.rows.rows[0][colIndex(view.rows, "start")] : undefined;
		var end = view.rows.rows.length ? view.rows.rows[0][colIndex(view.rows, "end")] : undefined;
		$("pt-title").textContent = view.title;
		$("pt-sub").textContent = view.sub || (view.schema === "batch" ? "batch" :
			start ? start + " .. " + end : "");
		totals(view);
		drawCharts(view);
		drawTable(view);
		drawAssumptions(view);
		document.body.setAttribute("data-ready", String(Number(document.body.getAttribute("data-ready") || 0) + 1));
	}

	/* A table of the file: CSV text, or (long ones) its gzip in base64. */
	function fileTable(name) {
		var b64 = data[name + "_gz"], bin, bytes, i;
		if (b64 === undefined)
			return Promise.resolve(typeof data[name] === "string" ? parseCsv(data[name]) : null);
		bin = atob(b64);
		bytes = new Uint8Array(bin.length);
		for (i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
		return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip")))
			.text().then(parseCsv);
	}

	function fileView() {
		var kind = data.kind;
		var schema = kind === "export" ? "export" : kind === "batch" ? "batch" : data.by === "device" ? "device" : "report";
		return Promise.all([fileTable("rows"), fileTable("devices"), fileTable("series")]).then(function (t) {
			var rows = t[0] || { cols: [], rows: [] };
			var sub = data.generated ? "written " + data.generated : "";
			if (kind === "batch") sub = "batch: " + rows.rows.length + " rows; " + sub;
			return {
				title: data.title || "powertest",
				sub: kind === "report" ? undefined : sub,
				schema: schema,
				rows: rows,
				devices: t[1],
				series: kind === "export" ? rows : t[2],
				notes: data.notes
			};
		});
	}

	/* ---- live: serve's page ---- */

	var WINDOWS = [["15m", "last 15 minutes"], ["1h", "last hour"], ["6h", "last 6 hours"],
		["24h", "last 24 hours"], ["7d", "last 7 days"], ["custom", "from .. to (UTC)"]];

	function seconds(d) {
		var m = /^(\d+)([smhd])$/.exec(d), f = { s: 1, m: 60, h: 3600, d: 86400 };
		return m ? Number(m[1]) * f[m[2]] : 3600;
	}

	function liveControls() {
		var f = $("pt-controls"), win = el("select"), from = el("input"), to = el("input");
		var nodes = el("select"), task = el("input"), byDev = el("input"), go = el("button", null, "Show");
		function label(text, input) {
			var l = el("label", null, text + " ");
			l.appendChild(input);
			f.appendChild(l);
		}
		win.id = "pt-window";
		WINDOWS.forEach(function (w) {
			var o = el("option", null, w[1]);
			o.value = w[0];
			if (w[0] === "1h") o.selected = true;
			win.appendChild(o);
		});
		from.type = to.type = "datetime-local";
		from.step = to.step = "1";
		from.id = "pt-from"; to.id = "pt-to";
		nodes.id = "pt-nodes";
		nodes.multiple = true;
		nodes.size = 4;
		task.id = "pt-task";
		task.placeholder = "task name for the rows";
		byDev.type = "checkbox";
		byDev.id = "pt-by-device";
		go.type = "submit";
		go.id = "pt-go";
		label("Window", win);
		label("from", from);
		label("to", to);
		label("Nodes (none = all)", nodes);
		label("Task", task);
		label("per device", byDev);
		f.appendChild(go);
		f.hidden = false;
		function custom() {
			var c = win.value === "custom";
			from.disabled = to.disabled = !c;
		}
		win.addEventListener("change", custom);
		custom();
		f.addEventListener("submit", function (ev) { ev.preventDefault(); load(); });
		return { win: win, from: from, to: to, nodes: nodes, task: task, byDev: byDev };
	}

	var ctl, loading = 0;

	function get(url) {
		return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
			return r.text().then(function (body) {
				if (!r.ok) throw new Error(url.split("?")[0] + ": " + r.status + " " + body.trim());
				return parseCsv(body);
			});
		});
	}

	function load() {
		var q = [], span, step, mine = ++loading, win = ctl.win.value;
		if (win === "custom") {
			if (!ctl.from.value || !ctl.to.value) { setStatus("choose from and to", true); return; }
			var a = Date.parse(ctl.from.value + "Z"), b = Date.parse(ctl.to.value + "Z");
			if (!(b > a)) { setStatus("'to' must be after 'from'", true); return; }
			q.push("start=" + encodeURIComponent(new Date(a).toISOString()));
			q.push("end=" + encodeURIComponent(new Date(b).toISOString()));
			span = (b - a) / 1000;
		} else {
			q.push("last=" + encodeURIComponent(win));
			span = seconds(win);
		}
		Array.prototype.forEach.call(ctl.nodes.selectedOptions, function (o) {
			q.push("node=" + encodeURIComponent(o.value));
		});
		var base = q.join("&"), task = ctl.task.value.trim();
		var byDev = ctl.byDev.checked;
		step = Math.max(15, Math.ceil(span / 400));
		setStatus("loading\u2026");
		Promise.all([
			get("report.csv?" + base + (task ? "&task=" + encodeURIComponent(task) : "") + (byDev ? "&by=device" : "")),
			get("export.csv?" + base + "&step=" + step + "s"),
			byDev ? Promise.resolve(null) : get("report.csv?" + base + "&by=device")
		]).then(function (res) {
			if (mine !== loading) return;
			var rows = res[0];
			if (!ctl.nodes.options.length || !ctl.nodes.selectedOptions.length) {
				/* The nodes to choose from: those of the latest answer. */
				var ni = colIndex(rows, "node");
				clear(ctl.nodes);
				rows.rows.forEach(function (r) {
					if (r[ni] === "") return;
					var o = el("option", null, r[ni]);
					o.value = r[ni];
					ctl.nodes.appendChild(o);
				});
			}
			setStatus(rows.rows.length + " rows");
			draw({
				title: "powertest",
				sub: (win === "custom" ? ctl.from.value + "Z .. " + ctl.to.value + "Z" : "the " +
					ctl.win.options[ctl.win.selectedIndex].text) + " (" + new Date().toISOString() + ")",
				schema: byDev ? "device" : "report",
				rows: rows,
				series: res[1],
				devices: res[2]
			});
		}).catch(function (e) {
			if (mine === loading) setStatus(String(e.message || e), true);
		});
	}

	var resizeTimer;
	window.addEventListener("resize", function () {
		clearTimeout(resizeTimer);
		resizeTimer = setTimeout(function () {
			charts.forEach(function (c) { c.setSize({ width: chartWidth(), height: 280 }); });
		}, 150);
	});

	if (data.mode === "live") {
		ctl = liveControls();
		load();
	} else {
		fileView().then(draw).catch(function (e) { setStatus(String(e.message || e), true); });
	}
})();
