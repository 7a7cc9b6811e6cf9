// The Models page: an overview of every automation and one page per automation, from the view's JSON API.
// Plain DOM code over vendored uPlot, so nothing needs building and nothing is fetched from the internet.
"use strict";

const view = document.getElementById("view");
const banner = document.getElementById("banner");

function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
const short = (sha) => (sha ? esc(String(sha).slice(0, 10)) : "—");
const when = (iso) => (iso ? esc(new Date(iso).toISOString().replace("T", " ").slice(0, 16) + " UTC") : "—");
const num = (v) => (typeof v === "number" && Number.isFinite(v) ? esc(+v.toPrecision(4)) : esc(v ?? ""));
const link = (url, text) => (url ? `<a href="${esc(url)}" data-airflow>${text}</a>` : text);
const badge = (result) => `<span class="badge ${esc(result)}">${esc(String(result).replace("_", " "))}</span>`;

function applyTheme() {
  // Same-origin frame: follow the Airflow UI's own colour mode when it can be read, else the system's.
  let dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  try {
    const root = window.parent.document.documentElement;
    if (root.classList.contains("dark") || root.dataset.theme === "dark" || root.style.colorScheme === "dark") dark = true;
    else if (root.classList.contains("light") || root.dataset.theme === "light" || root.style.colorScheme === "light") dark = false;
  } catch (e) { /* not framed, or another origin */ }
  document.documentElement.classList.toggle("dark", !!dark);
}

async function getJSON(path) {
  const response = await fetch(path, { credentials: "same-origin" });
  if (response.status === 401 || response.status === 403) throw new Error("Please log in to Airflow to see this page.");
  if (!response.ok) throw new Error(`${path}: ${response.status} ${(await response.json().catch(() => ({}))).detail || ""}`);
  return response.json();
}

function showAnalytics(status) {
  document.getElementById("analytics").textContent = status.ok ? `analytics: ${status.where} (${status.conn_id})` : "";
  banner.hidden = status.ok;
  banner.textContent = status.ok ? "" : status.error;
}

function deployedCell(row) {
  if (!row.deployed.length) return '<span class="muted">nothing deployed</span>';
  return row.deployed.map((d) => `<div><b>${esc(d.variation)}</b>/${esc(d.environment)}: <code>${esc(d.build_id)}</code>
    (${short(d.commit)}) ${d.endpoint ? `<code>${esc(d.endpoint)}</code>` : ""} <span class="muted">${when(d.at)}</span></div>`).join("");
}

function lastRunCell(run) {
  if (!run) return '<span class="muted">never run</span>';
  return `${link(run.url, badge(run.result))} <span class="muted">${esc(run.reason)}</span>`;
}

const PAGE_SIZE = 100;
let overviewRows = [];

function overviewRow(a) {
  return `<tr data-automation="${esc(a.automation)}">
      <td><a href="#/automation/${encodeURIComponent(a.automation)}">${esc(a.automation)}</a></td>
      <td>${esc(a.model_id ?? "—")}<div class="muted">${esc(a.variations.join(", "))}</div></td>
      <td>${deployedCell(a)}</td><td>${lastRunCell(a.last_run)}</td>
      <td>${a.paused ? "—" : when(a.next_run)}</td><td>${a.paused ? badge("paused") : "active"}</td></tr>`;
}

function renderRows(filter, page) {
  // A page of 100 rows at a time: a thousand automations stay quick to draw and to read.
  const needle = filter.trim().toLowerCase();
  const matching = needle ? overviewRows.filter((a) => `${a.automation} ${a.model_id ?? ""}`.toLowerCase().includes(needle)) : overviewRows;
  const pages = Math.max(1, Math.ceil(matching.length / PAGE_SIZE));
  const current = Math.min(page, pages - 1);
  const shown = matching.slice(current * PAGE_SIZE, (current + 1) * PAGE_SIZE);
  document.querySelector("#overview tbody").innerHTML = shown.map(overviewRow).join("");
  document.getElementById("summary").textContent = matching.length
    ? `${current * PAGE_SIZE + 1}–${current * PAGE_SIZE + shown.length} of ${matching.length}` : "no automation matches";
  document.getElementById("prev").disabled = current === 0;
  document.getElementById("next").disabled = current >= pages - 1;
  return current;
}

async function renderOverview() {
  document.getElementById("crumb").textContent = "";
  const data = await getJSON("api/automations");
  showAnalytics(data.analytics);
  if (!data.automations.length) {
    view.innerHTML = '<div class="empty">No automations yet. Add a definition to <code>include/automations/</code>.</div>';
    return;
  }
  overviewRows = data.automations;
  view.innerHTML = `<div class="tools"><input id="filter" type="search" placeholder="Filter by automation or model">
    <button id="prev">‹ Previous</button> <span id="summary" class="muted"></span> <button id="next">Next ›</button></div>
    <table id="overview"><thead><tr><th>Automation</th><th>Model / variations</th><th>Deployed</th>
    <th>Last run</th><th>Next run</th><th>State</th></tr></thead><tbody></tbody></table>`;
  let page = renderRows("", 0);
  const filter = document.getElementById("filter");
  filter.addEventListener("input", () => { page = renderRows(filter.value, 0); });
  document.getElementById("prev").addEventListener("click", () => { page = renderRows(filter.value, page - 1); });
  document.getElementById("next").addEventListener("click", () => { page = renderRows(filter.value, page + 1); });
}

function plotMetric(container, name, series) {
  const box = document.createElement("div");
  box.className = "plot";
  box.dataset.metric = name;
  box.innerHTML = `<h3>${esc(name)}</h3>`;
  container.appendChild(box);
  const x = series.value.map((_, i) => i + 1);
  const deployedValues = series.value.map((v, i) => (series.deployed[i] ? v : null));
  const css = getComputedStyle(document.documentElement);
  const axis = { stroke: css.getPropertyValue("--muted"), grid: { stroke: css.getPropertyValue("--line") } };
  const opts = {
    width: Math.max(420, box.clientWidth - 16), height: 220,
    scales: { x: { time: false } },
    axes: [{ ...axis, label: "build" }, { ...axis }],
    series: [
      { label: "build", value: (u, i) => (i == null ? "—" : series.build_id[i - 1] || i) },
      { label: name, stroke: css.getPropertyValue("--accent"), width: 2, points: { show: true } },
      { label: "threshold", stroke: css.getPropertyValue("--bad"), dash: [6, 4], width: 1.5, points: { show: false } },
      { label: "deployed", stroke: "transparent", points: { show: true, size: 9, fill: css.getPropertyValue("--ok") } },
    ],
  };
  box.plot = new uPlot(opts, [x, series.value, series.threshold, deployedValues], box);
}

function plotTrigger(container, trigger) {
  // The watched value of a MetricBasedTrigger at each check, its threshold, and the checks that started a run.
  const box = document.createElement("div");
  box.className = "plot";
  box.dataset.metric = "trigger";
  box.innerHTML = `<h3>Metric trigger: watched value (${esc(trigger.direction ?? "")} threshold)</h3>`;
  container.appendChild(box);
  const x = trigger.at.map((_, i) => i + 1);
  const firedValues = trigger.value.map((v, i) => (trigger.fired[i] ? v : null));
  const css = getComputedStyle(document.documentElement);
  const axis = { stroke: css.getPropertyValue("--muted"), grid: { stroke: css.getPropertyValue("--line") } };
  const opts = {
    width: Math.max(420, box.clientWidth - 16), height: 220,
    scales: { x: { time: false } },
    axes: [{ ...axis, label: "check" }, { ...axis }],
    series: [
      { label: "check", value: (u, i) => (i == null ? "—" : when(trigger.at[i - 1])) },
      { label: "value", stroke: css.getPropertyValue("--run"), width: 2, points: { show: true } },
      { label: "threshold", stroke: css.getPropertyValue("--bad"), dash: [6, 4], width: 1.5, points: { show: false } },
      { label: "fired a run", stroke: "transparent", points: { show: true, size: 9, fill: css.getPropertyValue("--skip") } },
    ],
  };
  box.plot = new uPlot(opts, [x, trigger.value, trigger.threshold, firedValues], box);
}

function verdictText(build) {
  if (!build.verdicts.length) return build.status === "succeeded" ? '<span class="muted">no gate recorded</span>' : "";
  return build.verdicts.map((v) => `${badge(v.passed ? "passed" : v.forced ? "forced" : "skipped")}
    ${esc(v.metric_name ?? v.condition)} ${num(v.actual)} ${esc(v.direction ?? "")} ${num(v.threshold)}
    <div class="muted">${esc(v.note)}</div>`).join("");
}

function buildsTable(data) {
  if (!data.builds.length) return '<div class="empty">No builds yet: the first run will appear here.</div>';
  const rows = data.builds.map((b) => `<tr><td>${link(b.url, `<code>${esc(b.build_id ?? b.dag_run_id)}</code>`)}
      ${b.deployed ? badge("deployed") : ""}</td><td>${short(b.commit)}</td><td>${esc(b.branch ?? "—")}</td>
      <td>${badge(b.status === "succeeded" ? "success" : "failed")}</td>
      <td>${Object.entries(b.metrics).map(([k, v]) => `${esc(k)}=${num(v)}`).join("<br>")}</td>
      <td>${verdictText(b)}</td><td>${b.duration_s == null ? "—" : esc(b.duration_s) + " s"}</td></tr>`).join("");
  return `<table id="builds"><thead><tr><th>Build</th><th>Commit</th><th>Branch</th><th>Status</th><th>Metrics</th>
    <th>Verdict</th><th>Duration</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function deploysTable(data) {
  if (!data.deploys.length) return '<div class="empty">No deploys or rollbacks yet.</div>';
  const rows = data.deploys.map((d) => `<tr><td>${when(d.at)}</td><td>${esc(d.environment)}</td><td>${esc(d.variation)}</td>
      <td><code>${esc(d.build_id)}</code></td><td>${badge(d.status)}</td><td><code>${esc(d.endpoint ?? "")}</code></td></tr>`).join("");
  return `<table id="deploys"><thead><tr><th>When</th><th>Environment</th><th>Variation</th><th>Build</th><th>Result</th>
    <th>Endpoint</th></tr></thead><tbody>${rows}</tbody></table>`;
}

async function renderAutomation(name) {
  document.getElementById("crumb").textContent = ` / ${name}`;
  const data = await getJSON(`api/automations/${encodeURIComponent(name)}`);
  showAnalytics(data.analytics);
  view.innerHTML = `<p>${link(data.url, "Open the DAG in Airflow")} ${data.paused ? badge("paused") : ""}</p>
    <h2>Metrics over builds</h2><div class="plots" id="plots"></div>
    <h2>Builds</h2>${buildsTable(data)}<h2>Deploys and rollbacks</h2>${deploysTable(data)}`;
  const plots = document.getElementById("plots");
  if (!data.metrics.length) plots.innerHTML = '<div class="empty">No metrics logged yet.</div>';
  for (const metric of data.metrics) plotMetric(plots, metric, data.series[metric]);
  if (data.trigger) {
    plots.querySelector(".empty")?.remove();
    plotTrigger(plots, data.trigger);
  }
}

async function route() {
  applyTheme();
  const match = location.hash.match(/^#\/automation\/(.+)$/);
  try {
    await (match ? renderAutomation(decodeURIComponent(match[1])) : renderOverview());
  } catch (error) {
    view.innerHTML = `<div class="empty">${esc(error.message)}</div>`;
  }
}

// The UI frames this page with a sandbox that forbids navigating the top window, so a link to an Airflow page
// moves the UI's own router instead: push the URL on the parent's history and tell its router to follow.
document.addEventListener("click", (event) => {
  const anchor = event.target.closest("a[data-airflow]");
  if (!anchor || event.button !== 0 || event.ctrlKey || event.metaKey) return;
  try {
    if (window.parent !== window) {
      event.preventDefault();
      window.parent.history.pushState({}, "", anchor.href);
      window.parent.dispatchEvent(new PopStateEvent("popstate", { state: {} }));
    }
  } catch (error) { /* not same-origin: let the frame follow the link itself */ }
});

window.addEventListener("hashchange", route);
route();
