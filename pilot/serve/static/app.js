/* The dashboard's page script: renders the overview from /api/overview, keeps it and
   the charts live from the server-sent events of /events, and draws the history of a
   line from /api/history. Data enter the page only as text (textContent), never as HTML. */
"use strict";
(function () {
  const boot = JSON.parse(document.getElementById("boot").textContent);
  const W = boot.words;
  const locale = boot.lang === "vi" ? "vi-VN" : "en-GB";
  const timeFmt = new Intl.DateTimeFormat(locale, { timeZone: boot.tz, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  const hmFmt = new Intl.DateTimeFormat(locale, { timeZone: boot.tz, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false });
  const status = document.getElementById("status");

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined) continue;
      if (k === "class") node.className = v; else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }
  function num(v, digits) {
    return v === null || v === undefined ? "–" : v.toLocaleString(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits });
  }
  function age(s) {
    if (s === null || s === undefined) return "–";
    if (s < 60) return num(s, 0) + " s";
    if (s < 3600) return num(s / 60, 1) + " min";
    if (s < 86400 * 2) return num(s / 3600, 1) + " h";
    return num(s / 86400, 0) + " d";
  }
  const unitText = (u) => (u === "degC" ? "°C" : u);
  const STATUS_CLASS = { degrading: "bad", in_window: "ok", above: "warn", below: "warn", at_setpoint: "ok", off_setpoint: "warn" };

  function connect(url, onUpdate) {
    const source = new EventSource(url);
    source.addEventListener("update", (e) => { status.textContent = ""; onUpdate(JSON.parse(e.data)); });
    source.onerror = () => { status.textContent = W.connection_lost; };
    return source;
  }

  // -- overview ------------------------------------------------------------------------
  function lineCard(line) {
    const name = boot.lang === "vi" ? line.name_vi : line.name;
    const card = el("section", { class: "card", id: "card-" + line.site + "-" + line.line, "data-state": line.state });
    card.append(el("h2", {}, el("a", { href: "/line/" + line.site + "/" + line.line }, name),
      el("span", { class: "badge " + line.state, "data-role": "state" }, W["state_" + line.state] || line.state)));
    const newestAge = line.newest_ms === null ? null : Date.now() / 1000 - line.newest_ms / 1000;
    card.append(el("p", { class: "dim", "data-role": "newest" }, W.newest + ": ",
      line.newest_ms === null ? W.no_data : timeFmt.format(line.newest_ms) + " (" + age(newestAge) + ")"));
    const body = el("tbody");
    for (const s of line.sensors) {
      const cls = s.status ? STATUS_CLASS[s.status] : "";
      body.append(el("tr", { "data-sensor": s.sensor },
        el("td", {}, s.sensor),
        el("td", { class: "num value " + cls }, s.value === null ? "–" : num(s.value, 1) + " " + unitText(s.unit)),
        el("td", { class: "num hide-narrow" }, s.setpoint === null ? "" : num(s.setpoint, 0)),
        el("td", { class: cls }, s.status ? W["st_" + s.status] : ""),
        // On a phone the colour alone says "stale": the word would push the age off screen.
        el("td", { class: "num " + (s.stale ? "stale" : "ok") }, s.value === null ? W.no_data : el("span", { class: "hide-narrow" }, s.stale ? W.stale + " " : ""), s.value === null ? "" : age(s.age_s))));
    }
    card.append(el("div", { class: "scroll" }, el("table", {},
      el("thead", {}, el("tr", {}, el("th", {}, W.sensor), el("th", { class: "num" }, W.value),
        el("th", { class: "num hide-narrow" }, W.setpoint), el("th", {}, ""), el("th", { class: "num" }, W.age))),
      body)));
    const [lo, hi] = line.process_window_c;
    card.append(el("p", { class: "dim" }, W.window + " " + num(lo, 0) + "–" + num(hi, 0) + " °C"));
    card.append(el("p", { class: "totals", "data-role": "totals" }, W.day + " " + (line.day || "–") + ": " +
      W.processed + " " + num(line.mass_kg, 1) + " kg, " + W.energy + " " + num(line.energy_kwh, 1) + " kWh, " +
      num(line.kwh_per_kg, 2) + " kWh/kg"));
    const alarms = el("ul", { class: "alarms", "data-role": "alarms" });
    for (const a of line.alarms) {
      alarms.append(el("li", { class: "bad" }, timeFmt.format(a.ts_us / 1000) + " " + a.sensor + " — " + (W["rule_" + a.rule] || a.rule) + ": " + a.message));
    }
    card.append(line.alarms.length ? alarms : el("p", { class: "ok", "data-role": "alarms" }, W.alarms + ": " + W.none_active));
    return card;
  }
  function renderOverview(data) {
    const holder = document.getElementById("lines");
    holder.replaceChildren(...data.lines.map(lineCard));
    if (data.store_problem) status.textContent = data.store_problem;
  }

  // -- line charts ---------------------------------------------------------------------
  function lineCharts() {
    const temps = boot.sensors.filter((s) => s.kind !== "throughput").map((s) => s.sensor);
    const flows = boot.sensors.filter((s) => s.kind === "throughput").map((s) => s.sensor);
    const colours = {};
    temps.forEach((s, i) => { colours[s] = PilotChart.COLOURS[i % PilotChart.COLOURS.length]; });
    const legend = document.getElementById("legend-temp");
    legend.replaceChildren(...temps.map((s) => el("span", {}, el("i", { style: null }), s)));
    legend.querySelectorAll("i").forEach((node, i) => { node.style.background = colours[temps[i]]; });
    let view = { series: {}, xMin: 0, xMax: 1, live: true, spanMs: boot.chart_hours * 3600e3, everyS: 1 };
    const pick = (names) => Object.fromEntries(names.map((n) => [n, view.series[n] || []]));
    const [dlo, dhi] = boot.dioxin_window_c;
    const [wlo, whi] = boot.process_window_c;
    function redraw() {
      const common = { xMin: view.xMin, xMax: view.xMax, gapMs: Math.max(5000, view.everyS * 3000), timeLabel: (t) => hmFmt.format(t) };
      PilotChart.draw(document.getElementById("chart-temp"), Object.assign({}, common, {
        series: pick(temps), colours: colours,
        bands: [{ lo: dlo, hi: dhi, colour: "rgba(207, 34, 46, .10)" }, { lo: wlo, hi: whi, colour: "rgba(26, 127, 55, .18)", show: true }],
      }));
      PilotChart.draw(document.getElementById("chart-flow"), Object.assign({}, common, { series: pick(flows), yMin: 0 }));
      document.getElementById("live").textContent = view.live ? "● " + W.live : "";
    }
    async function load(query, live) {
      const answer = await fetch("/api/history/" + boot.site + "/" + boot.line + "?" + query);
      const data = await answer.json();
      if (!answer.ok) { status.textContent = data.error; return; }
      view = { series: data.series, xMin: data.start_ms, xMax: data.end_ms, live: live, spanMs: data.end_ms - data.start_ms, everyS: data.every_s };
      redraw();
    }
    document.getElementById("range").addEventListener("submit", (e) => {
      e.preventDefault();
      const start = document.getElementById("start").value, end = document.getElementById("end").value;
      if (start && end) load("start=" + encodeURIComponent(start) + "&end=" + encodeURIComponent(end), false);
      else load("hours=" + document.getElementById("hours").value, true);
    });
    document.getElementById("hours").addEventListener("change", (e) => {
      document.getElementById("start").value = ""; document.getElementById("end").value = "";
      load("hours=" + e.target.value, true);
    });
    load("hours=" + boot.chart_hours, true);
    connect("/events?line=" + encodeURIComponent(boot.site + "/" + boot.line), (update) => {
      const line = update.overview.lines.find((l) => l.site === boot.site && l.line === boot.line);
      const badge = document.getElementById("state");
      if (line) { badge.textContent = W["state_" + line.state] || line.state; badge.className = "badge " + line.state; }
      if (!view.live || !update.series) return;
      let newest = view.xMax;
      for (const [name, points] of Object.entries(update.series)) {
        const held = view.series[name] || (view.series[name] = []);
        for (const p of points) {
          if (held.length && p[0] <= held[held.length - 1][0]) continue;
          held.push(p); newest = Math.max(newest, p[0]);
        }
      }
      view.xMax = newest; view.xMin = newest - view.spanMs;
      for (const points of Object.values(view.series)) {
        while (points.length && points[0][0] < view.xMin) points.shift();
      }
      redraw();
    });
    window.addEventListener("resize", redraw);
  }

  // -- pages ---------------------------------------------------------------------------
  for (const node of document.querySelectorAll("time[data-us]")) {
    node.textContent = timeFmt.format(Number(node.dataset.us) / 1000);
  }
  const page = document.body.dataset.page;
  if (page === "overview") {
    fetch("/api/overview").then((r) => r.json()).then(renderOverview);
    connect("/events", (update) => renderOverview(update.overview));
  } else if (page === "line") {
    lineCharts();
  } else if (page === "reports") {
    const job = document.getElementById("job");
    if (job && job.dataset.state === "running") setTimeout(() => location.reload(), 2000);
  }
})();
