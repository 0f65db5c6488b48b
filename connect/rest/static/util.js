// Helpers every page of the console shares: DOM building, the REST client, actions with
// their errors shown next to them, the confirmation dialog, health words and formatting.

const main = document.getElementById("main");
const session = { read_only: true };
let timers = [];

function clearTimers() {
  for (const t of timers) clearInterval(t);
  timers = [];
}

// ---------------------------------------------------------------- helpers

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(method, path, body) {
  const init = { method, headers: { "X-Smart-Connect-UI": "1" }, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { message: text }; }
  if (!response.ok) {
    throw new ApiError(response.status, (data && data.message) || `HTTP ${response.status}`);
  }
  return data;
}

const enc = encodeURIComponent;
const connectorPath = (name) => `/connectors/${enc(name)}`;
const clusterPath = (id) => `/ui/api/clusters/${enc(id)}`;

// refresh a page every ms, never two at once (a slow broker must not pile requests up)
function every(ms, fn) {
  let busy = false;
  timers.push(setInterval(() => {
    if (busy) return;
    busy = true;
    fn().catch(() => {}).finally(() => { busy = false; });
  }, ms));
}

function badge(word) { return h("span", { class: `badge ${word}`, "data-health": word }, word); }

function table(headers, rows, attrs = {}) {
  return h("table", attrs,
    h("thead", {}, h("tr", {}, headers.map((x) => {
      const [label, cls] = Array.isArray(x) ? x : [x, ""];
      return h("th", { scope: "col", class: cls || null }, label);
    }))),
    h("tbody", {}, rows));
}

function errorBox(id) { return h("p", { class: "error", role: "alert", id, hidden: true }); }

function showError(box, err) {
  box.hidden = false;
  box.textContent = err instanceof Error ? err.message : String(err);
}

function clearError(box) { box.hidden = true; box.textContent = ""; }

// an action button: runs fn, shows the error (as the server said it) next to it
function action(label, fn, { cls = "", confirm = null, id = null } = {}) {
  const box = h("span", { class: "error", role: "alert", hidden: true });
  const button = h("button", {
    type: "button", class: `write ${cls}`.trim(), id,
    onclick: async () => {
      clearError(box);
      if (confirm && !(await confirmDialog(confirm))) return;
      button.disabled = true;
      try { await fn(); } catch (err) { showError(box, err); } finally { button.disabled = false; }
    },
  }, label);
  return h("span", { class: "act" }, button, " ", box);
}

// the confirmation dialog: {title, text, type?: the name to type}
function confirmDialog({ title, text, type }) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-text").textContent = text;
  const label = document.getElementById("confirm-type-label");
  const input = document.getElementById("confirm-type");
  const ok = document.getElementById("confirm-ok");
  label.hidden = !type;
  input.value = "";
  document.getElementById("confirm-expected").textContent = type || "";
  ok.disabled = Boolean(type);
  input.oninput = () => { ok.disabled = input.value !== type; };
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.showModal();
    (type ? input : document.getElementById("confirm-cancel")).focus();
  });
}

function debounce(fn, ms) {
  let t = null;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}

// ---------------------------------------------------------------- health

const RANK = { FAILED: 0, DEGRADED: 1, UNASSIGNED: 2, RESTARTING: 3, PAUSED: 4, STOPPED: 5, HEALTHY: 6 };

function health(status) {
  if (!status) return "UNASSIGNED";
  const state = status.connector.state;
  const tasks = status.tasks || [];
  const states = tasks.map((t) => t.state);
  if (state === "FAILED") return "FAILED";
  if (state === "RESTARTING" || states.includes("RESTARTING")) return "RESTARTING";
  if (state === "STOPPED") return "STOPPED";
  if (state === "PAUSED") return "PAUSED";
  if (state === "UNASSIGNED") return "UNASSIGNED";
  const failed = states.filter((s) => s === "FAILED").length;
  if (failed && failed === tasks.length) return "FAILED";
  if (failed) return "DEGRADED";
  if (!tasks.length || states.includes("UNASSIGNED")) return "UNASSIGNED";
  if (states.every((s) => s === "PAUSED")) return "PAUSED";
  return "HEALTHY";
}

// records/s and lag from the observability "metrics" key, when the worker reports it
function metric(status, names) {
  let total = null;
  const sources = [status && status.metrics, ...((status && status.tasks) || []).map((t) => t.metrics)];
  for (const m of sources) {
    if (!m || typeof m !== "object") continue;
    for (const name of names) {
      if (typeof m[name] === "number") { total = (total || 0) + m[name]; break; }
    }
  }
  return total;
}
const RATE = ["records_per_second", "records_per_sec", "record_rate", "rate"];
const LAG = ["lag", "records_lag", "lag_records"];

function fmt(n, digits = 0) {
  if (n === null || n === undefined) return "—";
  return Number(n).toLocaleString(undefined, { maximumFractionDigits: digits });
}

function bytes(n) {
  if (n === null || n === undefined) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

export {
  main,
  session,
  h,
  ApiError,
  api,
  enc,
  connectorPath,
  clusterPath,
  every,
  clearTimers,
  badge,
  table,
  errorBox,
  showError,
  clearError,
  action,
  confirmDialog,
  debounce,
  RANK,
  health,
  metric,
  RATE,
  LAG,
  fmt,
  bytes,
};
