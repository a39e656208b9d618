/* The dashboard page. No third-party script but the vendored uPlot: Telegram's
 * telegram-web-app.js is not loaded; the launch parameters Telegram puts into the URL hash
 * (tgWebAppData = the signed initData, tgWebAppThemeParams = the theme) are read here, and the
 * few client events we need (ready, expand, theme changes) go through Telegram's documented
 * postEvent/receiveEvent bridge. Every text comes from the API (the bot's Fluent catalogues);
 * data is put into the page with textContent only. */
"use strict";

(function () {
  const state = {
    initData: "", strings: {}, projects: [], projectId: null, doc: null,
    zoom: "13", view: "chart", charts: [], lastBatch: null,
  };
  const $ = (id) => document.getElementById(id);

  // --- Telegram launch parameters and bridge ---------------------------------------------
  function launchParams() {
    const hash = new URLSearchParams(location.hash.slice(1));
    let data = hash.get("tgWebAppData") || "";
    let theme = hash.get("tgWebAppThemeParams") || "";
    try {  // a reload inside Telegram loses the hash: keep it for this tab only
      if (data) { sessionStorage.setItem("tgWebAppData", data); sessionStorage.setItem("tgTheme", theme); }
      else { data = sessionStorage.getItem("tgWebAppData") || ""; theme = sessionStorage.getItem("tgTheme") || ""; }
    } catch (e) { /* storage disabled: fine */ }
    let themeParams = {};
    try { themeParams = theme ? JSON.parse(theme) : {}; } catch (e) { themeParams = {}; }
    return { data, themeParams };
  }

  function postEvent(type, data) {
    const payload = JSON.stringify(data || {});
    try {
      if (window.TelegramWebviewProxy) window.TelegramWebviewProxy.postEvent(type, payload);
      else if (window.external && "notify" in window.external)
        window.external.notify(JSON.stringify({ eventType: type, eventData: data || {} }));
      else if (window.parent !== window)
        window.parent.postMessage(JSON.stringify({ eventType: type, eventData: data || {} }), "*");
    } catch (e) { /* not inside Telegram */ }
  }

  function onEvent(type, data) {
    if (type === "theme_changed" && data && data.theme_params) {
      applyTheme(data.theme_params);
      redraw();
    }
  }
  window.Telegram = window.Telegram || {};
  window.Telegram.WebView = { receiveEvent: onEvent };  // mobile and desktop clients call this
  window.addEventListener("message", (event) => {  // Telegram Web (iframe)
    try { const m = JSON.parse(event.data); onEvent(m.eventType, m.eventData); } catch (e) { /* not ours */ }
  });

  const THEME_VARS = {
    bg_color: "--bg", text_color: "--text", hint_color: "--hint", link_color: "--link",
    button_color: "--button", button_text_color: "--button-text",
    secondary_bg_color: "--secondary-bg",
  };
  function applyTheme(params) {
    const root = document.documentElement;
    for (const [key, name] of Object.entries(THEME_VARS)) {
      const value = params[key];
      if (typeof value === "string" && /^#[0-9a-fA-F]{3,8}$/.test(value)) root.style.setProperty(name, value);
    }
    if (typeof params.bg_color === "string") {
      const dark = luminance(params.bg_color) < 0.4;
      root.classList.toggle("dark", dark);
      root.classList.toggle("light", !dark);
    }
  }
  function luminance(hex) {
    let h = hex.replace("#", "");
    if (h.length === 3) h = h.split("").map((c) => c + c).join("");
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16) / 255);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  const cssVar = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

  // --- API ------------------------------------------------------------------------------
  class ApiError extends Error { constructor(status, body) { super(String(status)); this.status = status; this.body = body; } }

  async function api(path, options) {
    const opts = Object.assign({ headers: {} }, options || {});
    opts.headers = Object.assign({ Authorization: "tma " + state.initData }, opts.headers);
    const response = await fetch("api/" + path, opts);
    if (!response.ok) {
      let body = null;
      try { body = await response.json(); } catch (e) { body = null; }
      throw new ApiError(response.status, body);
    }
    return response;
  }
  const t = (key) => state.strings[key] || key;

  function showStatus(text) { $("status").textContent = text; $("status").hidden = !text; }
  function showError(error) {
    if (error && error.status === 401) showStatus(t("unauthorized") === "unauthorized" ? "Open the dashboard from the bot in Telegram." : t("unauthorized"));
    else if (error && error.status === 403) showStatus(t("forbidden"));
    else showStatus(t("error"));
    $("dashboard").hidden = error && (error.status === 401 || error.status === 403) ? true : $("dashboard").hidden;
  }

  // --- rendering ------------------------------------------------------------------------
  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }
  function option(value, text, selected) {
    const node = el("option", text);
    node.value = value;
    if (selected) node.selected = true;
    return node;
  }

  function translatePage() {
    for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
    document.title = t("title");
    document.documentElement.lang = state.lang || "en";
  }

  function renderProjects() {
    const select = $("project");
    select.replaceChildren(...state.projects.map((p) => option(p.id, p.name, p.id === state.projectId)));
  }

  function renderDoc() {
    const doc = state.doc;
    $("dashboard").hidden = false;
    showStatus(doc.metrics.length ? "" : t("no-data"));
    const weekSelect = $("week");
    weekSelect.replaceChildren(...doc.weeks.map((w, i) => option(w, doc.week_labels[i], w === doc.week)).reverse());
    const alerts = $("alert-list");
    alerts.replaceChildren(...(doc.alerts.length ? doc.alerts : [t("all-good")]).map((a) => el("li", a)));
    renderCharts();
    renderTable();
    renderMonthly();
    renderEditor();
    setView(state.view);
    setZoom(state.zoom);
  }

  function dayMonth(seconds) {
    const format = new Intl.DateTimeFormat(state.lang === "ru" ? "ru-RU" : "en-GB",
      { day: "numeric", month: "short", timeZone: "UTC" });
    return format.format(new Date(seconds * 1000));
  }

  function weekSeconds(iso) { return Date.parse(iso + "T00:00:00Z") / 1000; }

  function renderCharts() {
    for (const chart of state.charts) chart.plot.destroy();
    state.charts = [];
    const box = $("charts");
    box.replaceChildren();
    const doc = state.doc;
    const xs = doc.weeks.map(weekSeconds);
    for (const metric of doc.metrics) {
      const card = el("article", null, "metric status-" + ((metric.comparison && metric.comparison.status) || "ok"));
      card.dataset.metric = metric.key;
      const head = el("div", null, "head");
      head.append(el("h3", metric.name));
      const c = metric.comparison;
      if (c && c.last !== null) {
        const parts = [c.last];
        if (c.wow) parts.push(t("wow") + ": " + c.wow);
        if (c.vs_baseline) parts.push(t("vs-baseline") + " (" + c.baseline + "): " + c.vs_baseline);
        head.append(el("span", parts.join(" · "), "compare"));
      }
      card.append(head);
      const hover = el("div", "\u00a0", "hover");
      card.append(hover);
      const holder = el("div", null, "plot");
      card.append(holder);
      if (c && c.alerts.length) {
        const list = el("ul", null, "alerts");
        for (const a of c.alerts) list.append(el("li", a));
        card.append(list);
      }
      box.append(card);
      const plot = makePlot(holder, hover, metric, xs);
      state.charts.push({ plot, holder });
    }
  }

  function makePlot(holder, hover, metric, xs) {
    const doc = state.doc;
    const alertSet = new Set(metric.alert_weeks);
    // week -> its notes' texts (shown as text, never as HTML)
    const notes = new Map();
    for (const n of doc.notes || []) notes.set(n.week, (notes.get(n.week) || []).concat([n.text]));
    const marks = doc.weeks.map((w, i) => (alertSet.has(w) ? metric.values[i] : null));
    const target = doc.weeks.map(() => (metric.target === null ? null : metric.target));
    const line = cssVar("--link"), alertColor = cssVar("--alert"), grid = cssVar("--hint");
    const series = [
      {},
      { label: metric.name, stroke: line, width: 2, spanGaps: false, points: { size: 4, fill: line } },
      { label: t("alert-week"), stroke: alertColor, width: 0, paths: () => null,
        points: { show: true, size: 9, stroke: alertColor, fill: alertColor } },
    ];
    const data = [xs, metric.values, marks];
    if (metric.target !== null) {
      series.push({ label: t("target"), stroke: cssVar("--target"), width: 1, dash: [6, 4], points: { show: false } });
      data.push(target);
    }
    const axis = { stroke: grid, grid: { stroke: grid + "33", width: 1 }, ticks: { show: false }, font: "11px sans-serif" };
    const opts = {
      width: Math.max(200, holder.clientWidth || 320), height: 170,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 7 } },
      scales: { x: { time: true } },
      // x labels in the user's language (uPlot's own month names are English)
      axes: [Object.assign({}, axis, { space: 56, values: (u, splits) => splits.map(dayMonth) }),
        Object.assign({}, axis, { size: 44 })],
      series,
      hooks: {
        // a dotted vertical line on each week with a note, as the digest's charts have
        draw: [(u) => {
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = grid;
          ctx.lineWidth = 1;
          ctx.setLineDash([2, 3]);
          for (const week of notes.keys()) {
            const x = u.valToPos(weekSeconds(week), "x", true);
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
          }
          ctx.restore();
        }],
        setCursor: [(u) => {
          const i = u.cursor.idx;
          if (i === null || i === undefined) { hover.textContent = "\u00a0"; return; }
          const parts = [doc.week_labels[i] + ": " + (metric.texts[i] === null ? "—" : metric.texts[i])];
          if (metric.changes[i]) parts.push(t("change") + " " + metric.changes[i]);
          if (metric.target_text) parts.push(t("target") + " " + metric.target_text);
          if (alertSet.has(doc.weeks[i])) parts.push("⚠ " + t("alert-week"));
          for (const text of notes.get(doc.weeks[i]) || []) parts.push("📝 " + text);
          hover.textContent = parts.join(" · ");
        }],
      },
    };
    return new uPlot(opts, data, holder);
  }

  function setZoom(zoom) {
    state.zoom = zoom;
    for (const b of document.querySelectorAll("#zoom [data-zoom]")) b.setAttribute("aria-pressed", String(b.dataset.zoom === zoom));
    const weeks = state.doc ? state.doc.weeks : [];
    if (!weeks.length) return;
    const max = weekSeconds(weeks[weeks.length - 1]);
    const count = zoom === "all" ? weeks.length : Math.min(Number(zoom), weeks.length);
    const min = weekSeconds(weeks[weeks.length - count]);
    for (const { plot } of state.charts) {
      if (count <= 1) plot.setScale("x", { min: min - 3 * 86400, max: max + 3 * 86400 });
      else plot.setScale("x", { min, max });
    }
  }

  function setView(view) {
    state.view = view;
    $("charts").hidden = view !== "chart";
    $("table-view").hidden = view !== "table";
    $("show-chart").setAttribute("aria-pressed", String(view === "chart"));
    $("show-table").setAttribute("aria-pressed", String(view === "table"));
    if (view === "chart") redraw();
  }

  function redraw() {
    if (!state.doc) return;
    renderCharts();
    setZoom(state.zoom);
  }

  function renderTable() {
    const doc = state.doc;
    const table = $("table");
    const head = el("tr");
    head.append(el("th", t("week")));
    for (const m of doc.metrics) head.append(el("th", m.name));
    const rows = [el("thead"), el("tbody")];
    rows[0].append(head);
    if (doc.metrics.some((m) => m.target_text)) {
      const targets = el("tr");
      targets.append(el("td", t("target")));
      for (const m of doc.metrics) targets.append(el("td", m.target_text || ""));
      rows[0].append(targets);
    }
    for (let i = doc.weeks.length - 1; i >= 0; i--) {
      const tr = el("tr");
      tr.dataset.week = doc.weeks[i];
      tr.append(el("td", doc.week_labels[i]));
      for (const m of doc.metrics) {
        const td = el("td", m.texts[i] === null ? "—" : m.texts[i]);
        td.dataset.metric = m.key;
        if (m.alert_weeks.includes(doc.weeks[i])) td.className = "alert";
        if (m.changes[i]) td.title = m.changes[i];
        tr.append(td);
      }
      rows[1].append(tr);
    }
    table.replaceChildren(...rows);
  }

  function renderMonthly() {
    const monthly = state.doc.monthly;
    $("monthly-title").textContent = t("monthly") + " (" + monthly.first + " – " + monthly.last + ")";
    const head = el("tr");
    for (const h of ["", t("monthly-current"), t("monthly-previous"), t("change")]) head.append(el("th", h));
    const rows = monthly.rows.map((r) => {
      const tr = el("tr");
      for (const v of [r.name, r.current, r.previous, r.change]) tr.append(el("td", v === null ? "—" : v));
      return tr;
    });
    $("monthly-table").replaceChildren(head, ...rows);
    $("monthly").hidden = !rows.length;
  }

  function renderEditor() {
    const doc = state.doc;
    const canEdit = doc.project.can_edit;
    $("editor").hidden = !canEdit;
    $("read-only").hidden = canEdit;
    if (!canEdit) return;
    const editable = doc.metrics.filter((m) => m.editable);
    const previous = $("edit-metric").value;
    $("edit-metric").replaceChildren(...editable.map((m) => option(m.key, m.name, m.key === previous)));
    $("edit-week").replaceChildren(...doc.weeks.map((w, i) => option(w, doc.week_labels[i], w === doc.week)).reverse());
  }

  // --- actions --------------------------------------------------------------------------
  async function loadProject(projectId, week) {
    state.projectId = projectId;
    showStatus(t("loading"));
    try {
      const query = week ? "?week=" + encodeURIComponent(week) : "";
      state.doc = await (await api("projects/" + projectId + "/series" + query)).json();
      renderDoc();
    } catch (error) { showError(error); }
  }

  async function save(event) {
    event.preventDefault();
    const result = $("edit-result");
    $("edit-undo").hidden = true;
    try {
      const response = await api("projects/" + state.projectId + "/values", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ week: $("edit-week").value, metric: $("edit-metric").value, value: $("edit-value").value }),
      });
      const body = await response.json();
      result.textContent = body.message;
      state.lastBatch = body.batch_id;
      $("edit-undo").hidden = false;
      $("edit-value").value = "";
      await loadProject(state.projectId, state.doc.week);
      result.textContent = body.message;
    } catch (error) {
      if (error.body && error.body.message) result.textContent = error.body.message;
      else showError(error);
    }
  }

  async function undo() {
    try {
      const response = await api("projects/" + state.projectId + "/undo", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ batch_id: state.lastBatch }),
      });
      const body = await response.json();
      $("edit-undo").hidden = true;
      await loadProject(state.projectId, state.doc.week);
      $("edit-result").textContent = body.message;
    } catch (error) {
      if (error.body && error.body.message) $("edit-result").textContent = error.body.message;
      else showError(error);
    }
  }

  async function download(format) {
    try {
      const response = await api("projects/" + state.projectId + "/export?format=" + format);
      const blob = await response.blob();
      const disposition = response.headers.get("Content-Disposition") || "";
      const match = /filename="([^"]+)"/.exec(disposition);
      const link = el("a");
      link.href = URL.createObjectURL(blob);
      link.download = match ? match[1] : "kpi." + format;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    } catch (error) { showError(error); }
  }

  async function start() {
    const params = launchParams();
    applyTheme(params.themeParams);
    state.initData = params.data;
    postEvent("web_app_ready");
    postEvent("web_app_expand");
    if (!state.initData) { showError({ status: 401 }); return; }
    try {
      const body = await (await api("projects")).json();
      state.strings = body.strings;
      state.lang = body.lang;
      state.projects = body.projects;
      translatePage();
      if (!state.projects.length) { showStatus(t("no-projects")); return; }
      renderProjects();
      await loadProject(state.projects[0].id);
    } catch (error) { showError(error); }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("project").addEventListener("change", (e) => loadProject(Number(e.target.value)));
    $("week").addEventListener("change", (e) => loadProject(state.projectId, e.target.value));
    for (const b of document.querySelectorAll("#zoom [data-zoom]")) b.addEventListener("click", () => setZoom(b.dataset.zoom));
    $("show-chart").addEventListener("click", () => setView("chart"));
    $("show-table").addEventListener("click", () => setView("table"));
    $("edit-form").addEventListener("submit", save);
    $("edit-undo").addEventListener("click", undo);
    $("download-csv").addEventListener("click", () => download("csv"));
    $("download-xlsx").addEventListener("click", () => download("xlsx"));
    let resizeTimer = null;
    window.addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(redraw, 150); });
    start();
  });
})();
