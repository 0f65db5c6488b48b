// smart-connect console: a single page over the worker's REST API (hash routes).
// Every request goes to the worker that served the page, with the console's header
// (X-Smart-Connect-UI) so ui.read.only can refuse changes made from here.

const main = document.getElementById("main");
const session = { read_only: true };
let timers = [];

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

// ---------------------------------------------------------------- connectors list

async function connectorsPage() {
  const filter = h("input", {
    type: "search", id: "filter", placeholder: "Filter by name, plugin, health, topic or worker",
    "aria-label": "Filter connectors",
  });
  const count = h("span", { class: "muted", id: "count" });
  const body = h("tbody");
  const box = errorBox("list-error");
  main.replaceChildren(
    h("h1", {}, "Connectors"),
    h("div", { class: "toolbar" }, h("div", { class: "grow" }, filter), count,
      h("a", { href: "#/create", class: "button write" }, "Create connector")),
    box,
    h("section", { class: "card" },
      h("table", { class: "list", id: "connectors" },
        h("thead", {}, h("tr", {}, ["Name", "Health", ["Type", "wide"], ["Plugin", "wide"],
          ["Tasks run/fail", "num"], ["Workers", "wide"], ["Topics", "wide"],
          ["Records/s", "num wide"], ["Lag", "num wide"]].map((x) => {
          const [label, cls] = Array.isArray(x) ? x : [x, ""];
          return h("th", { scope: "col", class: cls || null }, label);
        }))),
        body)));
  let rows = [];
  const apply = () => {
    const words = filter.value.toLowerCase().trim().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const row of rows) {
      const hide = !words.every((w) => row.dataset.text.includes(w));
      row.hidden = hide;
      if (!hide) shown += 1;
    }
    count.textContent = `${shown} of ${rows.length}`;
  };
  filter.addEventListener("input", apply);
  const load = async () => {
    const data = await api("GET", "/connectors?expand=status&expand=info");
    const items = Object.entries(data).map(([name, d]) => ({ name, ...d, health: health(d.status) }));
    items.sort((a, b) => (RANK[a.health] - RANK[b.health]) || a.name.localeCompare(b.name));
    const fragment = document.createDocumentFragment();
    rows = items.map((item) => {
      const config = (item.info && item.info.config) || {};
      const tasks = (item.status && item.status.tasks) || [];
      const running = tasks.filter((t) => t.state === "RUNNING").length;
      const failed = tasks.filter((t) => t.state === "FAILED").length;
      const workers = [...new Set([item.status && item.status.connector.worker_id,
        ...tasks.map((t) => t.worker_id)].filter(Boolean))].join(", ");
      const topics = config.topics || config["topics.regex"] || "";
      const type = (item.status && item.status.type) || (item.info && item.info.type) || "";
      const plugin = config["connector.class"] || "";
      const row = h("tr", { "data-name": item.name },
        h("td", {}, h("a", { href: `#/connectors/${enc(item.name)}` }, item.name)),
        h("td", {}, badge(item.health)),
        h("td", { class: "wide" }, type),
        h("td", { class: "wide key" }, plugin),
        h("td", { class: "num" }, `${running} / ${failed}`),
        h("td", { class: "wide" }, workers),
        h("td", { class: "wide key" }, String(topics)),
        h("td", { class: "num wide" }, fmt(metric(item.status, RATE), 1)),
        h("td", { class: "num wide" }, fmt(metric(item.status, LAG))));
      row.dataset.text = [item.name, item.health, type, plugin, workers, topics].join(" ").toLowerCase();
      fragment.append(row);
      return row;
    });
    if (!rows.length) {
      fragment.append(h("tr", {}, h("td", { colspan: 9, class: "muted" }, "No connectors yet.")));
    }
    body.replaceChildren(fragment);
    apply();
  };
  try { await load(); } catch (err) { showError(box, err); }
  every(3000, load);
  filter.focus();
}

// ---------------------------------------------------------------- connector page

async function connectorPage(name) {
  const [info, status] = await Promise.all([
    api("GET", connectorPath(name)), api("GET", `${connectorPath(name)}/status`),
  ]);
  const head = h("div", { class: "toolbar" });
  const facts = h("dl", { class: "facts" });
  const tasksBody = h("tbody");
  const offsetsSection = h("section", { class: "card", id: "offsets" });
  const topicsSection = h("section", { class: "card", id: "topics" });
  const configSection = h("section", { class: "card", id: "config" });
  const refresh = async () => {
    const st = await api("GET", `${connectorPath(name)}/status`);
    renderStatus(st);
    return st;
  };
  let offsetsStopped = null;  // the offsets section is re-drawn only when this changes
  const renderStatus = (st) => {
    const word = health(st);
    head.replaceChildren(badge(word), h("span", { id: "connector-state" }, `connector ${st.connector.state}`));
    facts.replaceChildren(
      h("dt", {}, "Type"), h("dd", {}, st.type),
      h("dt", {}, "Plugin"), h("dd", { class: "key" }, info.config["connector.class"] || ""),
      h("dt", {}, "Worker"), h("dd", {}, st.connector.worker_id || "—"),
      h("dt", {}, "Records/s"), h("dd", {}, fmt(metric(st, RATE), 1)),
      h("dt", {}, "Lag"), h("dd", {}, fmt(metric(st, LAG))));
    if (st.connector.trace) {
      facts.append(h("dt", {}, "Trace"), h("dd", {}, h("details", {}, h("summary", {}, "Connector trace"), h("pre", {}, st.connector.trace))));
    }
    const openTraces = new Set([...tasksBody.querySelectorAll("details[open]")].map((d) => d.dataset.task));
    tasksBody.replaceChildren(...st.tasks.map((t) => h("tr", { "data-task": t.id },
      h("td", {}, String(t.id)),
      h("td", {}, badge(t.state)),
      h("td", {}, t.worker_id || "—"),
      h("td", {}, t.trace
        ? h("details", { "data-task": String(t.id), open: openTraces.has(String(t.id)) },
          h("summary", {}, "Trace"), h("pre", { class: "trace" }, t.trace))
        : h("span", { class: "muted" }, "—")),
      h("td", {}, action("Restart task", async () => {
        await api("POST", `${connectorPath(name)}/tasks/${t.id}/restart`);
        await refresh();
      })))));
    if (!st.tasks.length) {
      tasksBody.append(h("tr", {}, h("td", { colspan: 5, class: "muted" }, "No tasks.")));
    }
    const stopped = st.connector.state === "STOPPED";
    if (stopped !== offsetsStopped || !stopped) {  // no editor to disturb unless STOPPED
      offsetsStopped = stopped;
      renderOffsets(st.connector.state).catch((err) => showError(offsetsSection, err));
    }
  };
  const act = (label, method, suffix, opts = {}) => action(label, async () => {
    await api(method, `${connectorPath(name)}${suffix}`);
    await refresh();
  }, opts);
  const actions = h("div", { class: "toolbar write", id: "actions" },
    act("Pause", "PUT", "/pause"),
    act("Resume", "PUT", "/resume"),
    act("Stop", "PUT", "/stop", { confirm: { title: `Stop ${name}?`, text: "Its tasks shut down until it is resumed." } }),
    act("Restart all", "POST", "/restart?includeTasks=true&onlyFailed=false"),
    act("Restart failed", "POST", "/restart?includeTasks=true&onlyFailed=true"),
    action("Delete", async () => {
      await api("DELETE", connectorPath(name));
      location.hash = "#/connectors";
    }, { cls: "danger", confirm: { title: `Delete ${name}?`, text: "The connector and its tasks are removed. Its offsets stay.", type: name } }));

  const renderOffsets = async (state, message = null) => {
    const data = await api("GET", `${connectorPath(name)}/offsets`);
    const offsets = data.offsets || [];
    const stopped = state === "STOPPED";
    const box = errorBox("offsets-error");
    const children = [h("h2", {}, "Offsets"),
      offsets.length
        ? table(["Partition", "Offset"], offsets.map((o) => h("tr", {},
          h("td", { class: "key" }, JSON.stringify(o.partition)),
          h("td", { class: "key" }, JSON.stringify(o.offset)))))
        : h("p", { class: "muted" }, "No offsets committed yet.")];
    if (!stopped) {
      children.push(h("p", { class: "note write" }, "Stop the connector to edit or reset its offsets."));
    } else {
      const editor = h("textarea", { id: "offsets-editor", "aria-label": "Offsets JSON", class: "write" },
        JSON.stringify({ offsets }, null, 2));
      children.push(h("label", { for: "offsets-editor", class: "write" }, "Edit offsets (JSON, as PATCH /offsets takes them)"),
        editor,
        h("div", { class: "toolbar write" },
          action("Save offsets", async () => {
            let body;
            try { body = JSON.parse(editor.value); } catch (err) { throw new Error(`Offsets JSON: ${err.message}`); }
            const r = await api("PATCH", `${connectorPath(name)}/offsets`, body);
            await renderOffsets(state, r.message);
          }, { cls: "primary" }),
          action("Reset offsets", async () => {
            const r = await api("DELETE", `${connectorPath(name)}/offsets`);
            await renderOffsets(state, r.message);
          }, { cls: "danger", confirm: { title: `Reset the offsets of ${name}?`, text: "On resume it starts again from the beginning." } })));
    }
    children.push(box);
    if (message) children.push(h("p", { class: "ok-msg", id: "offsets-message" }, message));
    offsetsSection.replaceChildren(...children);
  };

  const renderTopics = async () => {
    const data = await api("GET", `${connectorPath(name)}/topics`);
    const topics = (data[name] && data[name].topics) || [];
    topicsSection.replaceChildren(h("h2", {}, "Topics in use"),
      topics.length
        ? h("ul", {}, topics.map((t) => h("li", {}, h("a", { href: `#/cluster/worker/topics/${enc(t)}` }, t))))
        : h("p", { class: "muted" }, "No topics recorded."),
      action("Reset topics", async () => {
        await api("PUT", `${connectorPath(name)}/topics/reset`);
        await renderTopics();
      }, { confirm: { title: `Reset the topics of ${name}?`, text: "The list of topics it used is cleared." } }));
  };

  main.replaceChildren(
    h("p", {}, h("a", { href: "#/connectors" }, "← Connectors")),
    h("h1", {}, name), head,
    h("section", { class: "card" }, facts),
    actions,
    h("section", { class: "card", id: "tasks" }, h("h2", {}, "Tasks"),
      h("table", {}, h("thead", {}, h("tr", {}, ["Task", "State", "Worker", "Trace", "Actions"].map((x) => h("th", { scope: "col" }, x)))), tasksBody)),
    configSection, offsetsSection, topicsSection);
  renderStatus(status);
  renderConfig(configSection, name, info);
  renderTopics().catch((err) => showError(topicsSection, err));
  every(2000, refresh);
}

// the config, read-only, or as a form validated on every change
function renderConfig(section, name, info) {
  const rows = Object.entries(info.config).filter(([k]) => k !== "name").sort(([a], [b]) => a.localeCompare(b));
  section.replaceChildren(h("h2", {}, "Config"),
    table(["Key", "Value"], rows.map(([k, v]) => h("tr", {}, h("td", { class: "key" }, k), h("td", { class: "key" }, String(v))))),
    h("div", { class: "toolbar" }, h("button", { type: "button", class: "write", id: "edit-config", onclick: () => editConfig(section, name, info) }, "Edit config")));
}

function editConfig(section, name, info) {
  const plugin = info.config["connector.class"];
  const fields = {};
  const form = h("form", { id: "config-form", novalidate: true });
  const addField = (key, value) => {
    const input = h("input", { id: `cfg-${key}`, name: key, value: String(value), "data-key": key, autocomplete: "off" });
    const err = h("p", { class: "field-error", id: `err-${key}`, role: "alert", hidden: true });
    input.setAttribute("aria-describedby", err.id);
    const wrap = h("div", { class: "field", "data-field": key },
      h("label", { for: input.id, class: "key" }, key), input, err);
    fields[key] = { input, err, wrap };
    input.addEventListener("input", validate);
    list.append(wrap);
  };
  const list = h("div");
  const newKey = h("input", { id: "new-key", placeholder: "new.key", "aria-label": "New key" });
  const status = h("p", { id: "validation", class: "muted", "aria-live": "polite" });
  const save = h("button", { type: "submit", class: "primary", id: "save-config" }, "Save");
  const box = errorBox("save-error");
  const current = () => Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.input.value]));
  let seq = 0;
  async function validateNow() {
    const mine = ++seq;
    const result = await api("PUT", `/connector-plugins/${enc(plugin)}/config/validate`, current());
    if (mine !== seq) return result;
    const errors = {};
    const general = [];
    for (const c of result.configs) {
      if (c.value.errors && c.value.errors.length) {
        if (fields[c.value.name]) errors[c.value.name] = c.value.errors.join("; ");
        else general.push(`${c.value.name}: ${c.value.errors.join("; ")}`);
      }
    }
    for (const [k, f] of Object.entries(fields)) {
      const message = errors[k];
      f.wrap.classList.toggle("invalid", Boolean(message));
      f.err.hidden = !message;
      f.err.textContent = message || "";
      f.input.setAttribute("aria-invalid", message ? "true" : "false");
    }
    status.textContent = result.error_count
      ? `${result.error_count} error(s)${general.length ? `: ${general.join("; ")}` : ""}`
      : "Valid";
    status.className = result.error_count ? "error" : "ok-msg";
    save.disabled = result.error_count > 0;
    return result;
  }
  const validate = debounce(() => validateNow().catch((err) => showError(box, err)), 300);
  for (const [k, v] of Object.entries(info.config).filter(([k]) => k !== "name").sort(([a], [b]) => a.localeCompare(b))) addField(k, v);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError(box);
    save.disabled = true;
    try {
      const result = await validateNow();
      if (result.error_count) return;
      const saved = await api("PUT", `/ui/api/connectors/${enc(name)}/config`, current());
      renderConfig(section, name, saved);
      section.append(h("p", { class: "ok-msg", id: "saved" }, "Saved."));
    } catch (err) { showError(box, err); } finally { save.disabled = false; }
  });
  form.append(list,
    h("div", { class: "inline-form" }, h("label", { for: "new-key" }, "Add a key", newKey),
      h("button", { type: "button", onclick: () => { const k = newKey.value.trim(); if (k && !fields[k]) { addField(k, ""); newKey.value = ""; fields[k].input.focus(); } } }, "Add")),
    status, box,
    h("div", { class: "toolbar" }, save,
      h("button", { type: "button", onclick: () => renderConfig(section, name, info) }, "Cancel")));
  section.replaceChildren(h("h2", {}, "Edit config"),
    h("p", { class: "note" }, "Checked by the plugin as you type. Secret values stay masked; an unchanged mask keeps the stored secret."),
    form);
  validateNow().catch((err) => showError(box, err));
  const first = Object.values(fields)[0];
  if (first) first.input.focus();
}

// ---------------------------------------------------------------- create

async function createPage() {
  if (session.read_only) {
    main.replaceChildren(h("h1", {}, "Create"), h("p", { class: "note" }, "The console is read-only."));
    return;
  }
  const plugins = await api("GET", "/connector-plugins");
  const nameInput = h("input", { id: "connector-name", required: true, autocomplete: "off" });
  const select = h("select", { id: "plugin" }, h("option", { value: "" }, "— choose a plugin —"),
    plugins.map((p) => h("option", { value: p.class }, `${p.class} (${p.type})`)));
  const formArea = h("div", { id: "plugin-form" });
  const pasteArea = h("textarea", { id: "paste", "aria-label": "Task JSON", placeholder: '{"name": "...", "config": {"connector.class": "..."}}' });
  const pasteOut = h("div", { id: "paste-result" });
  main.replaceChildren(
    h("h1", {}, "Create a connector"),
    h("section", { class: "card" },
      h("div", { class: "field" }, h("label", { for: "connector-name" }, "Name ", h("span", { class: "req" }, "*")), nameInput),
      h("div", { class: "field" }, h("label", { for: "plugin" }, "Plugin"), select),
      formArea),
    h("section", { class: "card" }, h("h2", {}, "…or paste task JSON"),
      h("p", { class: "note" }, "Kafka Connect ({name, config}), a flat config, or a Huawei Smart Connect task (task_name, source_type/sink_type, source_task/sink_task)."),
      pasteArea,
      h("div", { class: "toolbar" }, h("button", { type: "button", id: "check-paste", onclick: () => checkPaste() }, "Check")),
      pasteOut));
  select.addEventListener("change", () => { if (select.value) buildForm(select.value); else formArea.replaceChildren(); });

  async function buildForm(plugin) {
    // the worker's own name for the plugin (e.g. file-sink), as validate fills it in
    const defs = await api("PUT", `/connector-plugins/${enc(plugin)}/config/validate`, {});
    const own = defs.configs.find((c) => c.value.name === "connector.class");
    const connectorClass = (own && own.value.value) || plugin;
    const fields = {};
    const groups = new Map();
    for (const c of defs.configs) {
      const d = c.definition;
      if (d.name === "connector.class" || d.name === "name") continue;
      if (!groups.has(d.group || "Other")) groups.set(d.group || "Other", []);
      groups.get(d.group || "Other").push(d);
    }
    const form = h("form", { id: "create-form", novalidate: true });
    // the plugin's own keys first, the keys every connector shares after them
    const ordered = [...groups].sort(([a], [b]) => (a === "Common") - (b === "Common"));
    for (const [group, defsOf] of ordered) {
      const fs = h("fieldset", {}, h("legend", {}, group));
      for (const d of defsOf.sort((a, b) => (b.required - a.required) || (a.order - b.order))) {
        const id = `field-${d.name}`;
        let input;
        if (d.type === "BOOLEAN") {
          input = h("select", { id, "data-key": d.name }, h("option", { value: "" }, `default (${d.default_value ?? "unset"})`),
            h("option", { value: "true" }, "true"), h("option", { value: "false" }, "false"));
        } else {
          const type = d.type === "PASSWORD" ? "password" : (d.type === "INT" || d.type === "LONG" || d.type === "SHORT") ? "number" : "text";
          input = h("input", { id, type, "data-key": d.name, autocomplete: "off",
            placeholder: d.default_value !== null && d.default_value !== undefined ? String(d.default_value) : "" });
        }
        const err = h("p", { class: "field-error", id: `err-${d.name}`, role: "alert", hidden: true });
        input.setAttribute("aria-describedby", `doc-${d.name} ${err.id}`);
        const wrap = h("div", { class: "field", "data-field": d.name },
          h("label", { for: id, class: "key" }, d.name, d.required ? h("span", { class: "req", title: "required" }, " *") : null,
            h("span", { class: "muted" }, ` ${d.type.toLowerCase()}`)),
          input, h("p", { class: "doc", id: `doc-${d.name}` }, d.documentation || ""), err);
        fields[d.name] = { input, err, wrap, touched: false };
        input.addEventListener("input", () => { fields[d.name].touched = true; validate(); });
        input.addEventListener("change", () => { fields[d.name].touched = true; validate(); });
        fs.append(wrap);
      }
      form.append(fs);
    }
    const status = h("p", { id: "create-validation", "aria-live": "polite" });
    const box = errorBox("create-error");
    const submit = h("button", { type: "submit", class: "primary", id: "create" }, "Create");
    const config = () => {
      const out = { "connector.class": connectorClass };
      for (const [k, f] of Object.entries(fields)) if (f.input.value !== "") out[k] = f.input.value;
      return out;
    };
    let seq = 0;
    async function validateNow(all = false) {
      const mine = ++seq;
      const result = await api("PUT", `/connector-plugins/${enc(plugin)}/config/validate`, config());
      if (mine !== seq) return result;
      for (const c of result.configs) {
        const f = fields[c.value.name];
        if (!f) continue;
        const message = (all || f.touched) && c.value.errors.length ? c.value.errors.join("; ") : "";
        f.wrap.classList.toggle("invalid", Boolean(message));
        f.err.hidden = !message;
        f.err.textContent = message;
        f.input.setAttribute("aria-invalid", message ? "true" : "false");
      }
      status.textContent = result.error_count ? `${result.error_count} error(s) to fix` : "Valid";
      status.className = result.error_count ? "error" : "ok-msg";
      return result;
    }
    const validate = debounce(() => validateNow().catch((err) => showError(box, err)), 300);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearError(box);
      submit.disabled = true;
      try {
        const result = await validateNow(true);
        if (result.error_count) return;
        const name = nameInput.value.trim();
        if (!name) throw new Error("Name: required");
        await api("POST", "/connectors", { name, config: config() });
        location.hash = `#/connectors/${enc(name)}`;
      } catch (err) { showError(box, err); } finally { submit.disabled = false; }
    });
    form.append(status, box, h("div", { class: "toolbar" }, submit));
    formArea.replaceChildren(form);
  }

  async function checkPaste() {
    pasteOut.replaceChildren();
    const box = errorBox("paste-error");
    pasteOut.append(box);
    try {
      const parsed = await api("POST", "/ui/api/tasks/parse", { text: pasteArea.value });
      const plugin = parsed.config["connector.class"];
      const result = await api("PUT", `/connector-plugins/${enc(plugin)}/config/validate`, parsed.config);
      const problems = result.configs.filter((c) => c.value.errors.length)
        .map((c) => h("li", { "data-key": c.value.name }, h("span", { class: "key" }, c.value.name), `: ${c.value.errors.join("; ")}`));
      if (!nameInput.value && parsed.name) nameInput.value = parsed.name;
      const create = h("button", { type: "button", class: "primary", id: "create-pasted", disabled: problems.length > 0 || null,
        onclick: async () => {
          clearError(box);
          try {
            const name = nameInput.value.trim();
            if (!name) throw new Error("Name: required");
            await api("POST", "/connectors", { name, config: parsed.config });
            location.hash = `#/connectors/${enc(name)}`;
          } catch (err) { showError(box, err); }
        } }, "Create from JSON");
      pasteOut.append(
        h("p", {}, `Shape: ${parsed.shape}; plugin ${plugin}: `,
          problems.length ? h("span", { class: "error" }, `${problems.length} error(s)`) : h("span", { class: "ok-msg" }, "valid")),
        problems.length ? h("ul", { class: "error", id: "paste-errors" }, problems) : null,
        create);
    } catch (err) { showError(box, err); }
  }
  nameInput.focus();
}

// ---------------------------------------------------------------- cluster

let clustersCache = null;

async function clusterShell(cid, tab) {
  clustersCache = clustersCache || await api("GET", "/ui/api/clusters");
  if (!clustersCache.length) {
    main.replaceChildren(h("h1", {}, "Cluster"), h("p", { class: "note" }, "This worker has no Kafka cluster configured."));
    return null;
  }
  const cluster = clustersCache.find((c) => c.id === cid) || clustersCache[0];
  const picker = h("select", { id: "cluster-pick", "aria-label": "Cluster" },
    clustersCache.map((c) => h("option", { value: c.id, selected: c.id === cluster.id || null }, `${c.label} — ${c.bootstrap}`)));
  picker.addEventListener("change", () => { location.hash = `#/cluster/${enc(picker.value)}/${tab}`; });
  const tabs = h("nav", { class: "tabs", "aria-label": "Cluster" },
    [["topics", "Topics"], ["groups", "Consumer groups"], ["nodes", "Nodes"]].map(([t, label]) =>
      h("a", { href: `#/cluster/${enc(cluster.id)}/${t}`, "aria-current": t === tab ? "page" : null }, label)));
  const content = h("div", { id: "cluster-content" });
  main.replaceChildren(h("h1", {}, "Cluster"), h("div", { class: "toolbar" }, picker), tabs, content);
  return { cluster, content };
}

async function nodesPage(cid) {
  const shell = await clusterShell(cid, "nodes");
  if (!shell) return;
  const data = await api("GET", `${clusterPath(shell.cluster.id)}/nodes`);
  shell.content.replaceChildren(h("section", { class: "card" },
    h("h2", {}, `Nodes of ${data.cluster_id || shell.cluster.label}`),
    table(["Id", "Host:port", "Rack", "Controller"], data.nodes.map((n) => h("tr", {},
      h("td", {}, String(n.id)), h("td", { class: "key" }, `${n.host}:${n.port}`),
      h("td", {}, n.rack || "—"), h("td", {}, n.controller ? "controller" : ""))), { id: "nodes" })));
}

function parseConfigLines(text) {
  const out = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const i = line.indexOf("=");
    if (i < 1) throw new Error(`Configs: "${line}" is not key=value`);
    out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

async function topicsPage(cid) {
  const shell = await clusterShell(cid, "topics");
  if (!shell) return;
  const base = clusterPath(shell.cluster.id);
  const topics = await api("GET", `${base}/topics`);
  const filter = h("input", { type: "search", id: "topic-filter", placeholder: "Filter topics", "aria-label": "Filter topics" });
  const rows = topics.map((t) => {
    const row = h("tr", { class: t.under_replicated ? "urp" : null, "data-topic": t.name },
      h("td", {}, h("a", { href: `#/cluster/${enc(shell.cluster.id)}/topics/${enc(t.name)}` }, t.name), t.internal ? h("span", { class: "muted" }, " internal") : null),
      h("td", { class: "num" }, String(t.partitions)), h("td", { class: "num" }, String(t.replication_factor)),
      h("td", { class: "num" }, t.under_replicated ? h("strong", { class: "error" }, `${t.under_replicated} under-replicated`) : "0"));
    row.dataset.text = t.name.toLowerCase();
    return row;
  });
  filter.addEventListener("input", () => { for (const r of rows) r.hidden = !r.dataset.text.includes(filter.value.toLowerCase()); });
  const name = h("input", { id: "new-topic-name", required: true, autocomplete: "off" });
  const parts = h("input", { id: "new-topic-partitions", type: "number", min: 1, value: 1 });
  const rf = h("input", { id: "new-topic-rf", type: "number", min: 1, value: 1 });
  const configs = h("textarea", { id: "new-topic-configs", placeholder: "retention.ms=86400000\ncleanup.policy=compact" });
  const box = errorBox("create-topic-error");
  const create = h("form", { id: "create-topic", class: "write" },
    h("h2", {}, "Create a topic"),
    h("div", { class: "inline-form" },
      h("label", { for: "new-topic-name" }, "Name", name),
      h("label", { for: "new-topic-partitions" }, "Partitions", parts),
      h("label", { for: "new-topic-rf" }, "Replication factor", rf)),
    h("label", { for: "new-topic-configs" }, "Configs (key=value per line)"), configs,
    h("div", { class: "toolbar" }, h("button", { type: "submit", class: "primary", id: "create-topic-submit" }, "Create topic")),
    box);
  create.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError(box);
    try {
      await api("POST", `${base}/topics`, {
        name: name.value.trim(), partitions: Number(parts.value), replication_factor: Number(rf.value),
        configs: parseConfigLines(configs.value),
      });
      location.hash = `#/cluster/${enc(shell.cluster.id)}/topics/${enc(name.value.trim())}`;
    } catch (err) { showError(box, err); }
  });
  shell.content.replaceChildren(
    h("section", { class: "card" }, h("div", { class: "toolbar" }, h("div", { class: "grow" }, filter), h("span", { class: "muted" }, `${topics.length} topics`)),
      table(["Topic", ["Partitions", "num"], ["RF", "num"], ["Under-replicated", "num"]], rows, { id: "topics-table" })),
    h("section", { class: "card write" }, create));
}

async function topicPage(cid, topic) {
  const shell = await clusterShell(cid, "topics");
  if (!shell) return;
  const base = `${clusterPath(shell.cluster.id)}/topics/${enc(topic)}`;
  const t = await api("GET", base);
  const partsBody = t.partitions.map((p) => h("tr", { class: p.under_replicated ? "urp" : null, "data-partition": p.partition },
    h("td", { class: "num" }, String(p.partition)), h("td", { class: "num" }, String(p.leader)),
    h("td", { class: "key" }, p.replicas.join(", ")), h("td", { class: "key" }, p.isr.join(", ")),
    h("td", {}, p.under_replicated ? h("strong", { class: "error" }, "under-replicated") : "ok"),
    h("td", { class: "num" }, fmt(p.end_offset)), h("td", { class: "num" }, bytes(p.size))));
  const configs = [...t.configs].sort((a, b) => (a.default - b.default) || a.name.localeCompare(b.name));
  const configRows = configs.map((c) => h("tr", { "data-config": c.name, class: c.default ? null : "set" },
    h("td", { class: "key" }, c.name), h("td", { class: "key" }, c.sensitive ? "(sensitive)" : (c.value ?? "")),
    h("td", {}, c.default ? h("span", { class: "muted" }, "default") : h("span", { class: "badge set" }, "set"))));
  // add partitions
  const count = h("input", { id: "partition-count", type: "number", min: t.partitions.length + 1, value: t.partitions.length + 1 });
  // update configs
  const setText = h("textarea", { id: "config-set", placeholder: "retention.ms=3600000" });
  const delKeys = h("input", { id: "config-delete", placeholder: "keys to reset, comma-separated" });
  // reassign
  const reassignText = h("textarea", { id: "reassign",
    "aria-label": "New replicas per partition" },
  t.partitions.map((p) => `${p.partition}: ${p.replicas.join(",")}`).join("\n"));
  const progress = h("p", { id: "reassign-progress", "aria-live": "polite" });
  const watch = async () => {
    for (;;) {
      const ongoing = await api("GET", `${base}/reassignments`);
      if (!ongoing.length) { progress.textContent = "Reassignment finished."; progress.className = "ok-msg"; break; }
      progress.textContent = `Reassigning ${ongoing.length} partition(s): ${ongoing.map((o) => `${o.partition} → ${o.replicas.join(",")} (adding ${o.adding.join(",") || "-"}, removing ${o.removing.join(",") || "-"})`).join("; ")}`;
      progress.className = "";
      await new Promise((r) => setTimeout(r, 1000));
    }
    await topicPage(cid, topic);
    document.getElementById("reassign-progress").textContent = "Reassignment finished.";
    document.getElementById("reassign-progress").className = "ok-msg";
  };
  const back = `#/cluster/${enc(shell.cluster.id)}/topics`;
  shell.content.replaceChildren(
    h("p", {}, h("a", { href: back }, "← Topics")),
    h("h2", {}, topic),
    h("section", { class: "card" }, h("h2", {}, "Partitions"),
      table([["Partition", "num"], ["Leader", "num"], "Replicas", "ISR", "Replication", ["End offset", "num"], ["Size", "num"]], partsBody, { id: "partitions" }),
      t.sizes_note ? h("p", { class: "note", id: "sizes-note" }, t.sizes_note) : null),
    h("section", { class: "card" }, h("h2", {}, "Configs"),
      h("p", { class: "note" }, "Configs set on this topic are marked “set”; the rest are defaults."),
      t.configs_note ? h("p", { class: "note" }, t.configs_note) : null,
      table(["Key", "Value", "Source"], configRows, { id: "topic-configs" })),
    h("section", { class: "card write", id: "topic-actions" }, h("h2", {}, "Actions"),
      h("div", { class: "inline-form" }, h("label", { for: "partition-count" }, "New total partitions", count),
        action("Add partitions", async () => {
          await api("POST", `${base}/partitions`, { count: Number(count.value) });
          await topicPage(cid, topic);
        }, { id: "add-partitions" })),
      h("label", { for: "config-set" }, "Set configs (key=value per line)"), setText,
      h("div", { class: "inline-form" }, h("label", { for: "config-delete" }, "Reset to default", delKeys),
        action("Update configs", async () => {
          const del = delKeys.value.split(",").map((s) => s.trim()).filter(Boolean);
          await api("PATCH", `${base}/configs`, { set: parseConfigLines(setText.value), delete: del });
          await topicPage(cid, topic);
        }, { id: "update-configs" })),
      h("label", { for: "reassign" }, "Reassign: replicas per partition (partition: broker,broker,…)"), reassignText,
      h("div", { class: "toolbar" }, action("Reassign partitions", async () => {
        const partitions = {};
        for (const line of reassignText.value.split("\n").map((l) => l.trim()).filter(Boolean)) {
          const [p, rs] = line.split(":");
          if (rs === undefined) throw new Error(`Reassign: "${line}" is not partition: brokers`);
          partitions[p.trim()] = rs.split(",").map((x) => Number(x.trim())).filter((x) => !Number.isNaN(x));
        }
        await api("POST", `${base}/reassign`, { partitions });
        progress.textContent = "Reassignment started…";
        watch().catch((err) => { progress.textContent = err.message; progress.className = "error"; });
      }, { id: "reassign-submit" })), progress,
      h("div", { class: "toolbar" }, action("Delete topic", async () => {
        await api("DELETE", base);
        location.hash = back;
      }, { cls: "danger", id: "delete-topic", confirm: { title: `Delete topic ${topic}?`, text: "Its records are gone for good.", type: topic } }))));
}

async function groupsPage(cid) {
  const shell = await clusterShell(cid, "groups");
  if (!shell) return;
  const groups = await api("GET", `${clusterPath(shell.cluster.id)}/groups`);
  shell.content.replaceChildren(h("section", { class: "card" },
    h("h2", {}, "Consumer groups"),
    groups.length ? table(["Group", "State", ["Members", "num"]], groups.map((g) => h("tr", { "data-group": g.group_id },
      h("td", {}, h("a", { href: `#/cluster/${enc(shell.cluster.id)}/groups/${enc(g.group_id)}` }, g.group_id)),
      h("td", {}, g.state), h("td", { class: "num" }, String(g.members)))), { id: "groups" })
      : h("p", { class: "muted" }, "No consumer groups.")));
}

async function groupPage(cid, group) {
  const shell = await clusterShell(cid, "groups");
  if (!shell) return;
  const url = `${clusterPath(shell.cluster.id)}/groups/${enc(group)}`;
  const section = h("section", { class: "card", id: "group" });
  const render = async () => {
    let g;
    try {
      g = await api("GET", url);
    } catch (err) {  // e.g. the group does not exist yet: say so, keep watching
      section.replaceChildren(h("h2", {}, group), h("p", { class: "error", role: "alert", id: "group-error" }, err.message));
      return;
    }
    section.replaceChildren(
      h("h2", {}, group),
      h("dl", { class: "facts" }, h("dt", {}, "State"), h("dd", { id: "group-state" }, g.state || "—"),
        h("dt", {}, "Members"), h("dd", {}, String(g.members.length)),
        h("dt", {}, "Total lag"), h("dd", { id: "group-lag" }, fmt(g.lag))),
      g.members.length ? table(["Member", "Client", "Host"], g.members.map((m) => h("tr", {},
        h("td", { class: "key" }, m.member_id), h("td", {}, m.client_id), h("td", {}, m.host)))) : null,
      table(["Topic", ["Partition", "num"], ["Committed", "num"], ["End offset", "num"], ["Lag", "num"]],
        g.offsets.map((o) => h("tr", { "data-tp": `${o.topic}-${o.partition}` },
          h("td", { class: "key" }, o.topic), h("td", { class: "num" }, String(o.partition)),
          h("td", { class: "num" }, fmt(o.committed)), h("td", { class: "num" }, fmt(o.end_offset)),
          h("td", { class: "num lag" }, fmt(o.lag)))), { id: "group-offsets" }));
  };
  shell.content.replaceChildren(h("p", {}, h("a", { href: `#/cluster/${enc(shell.cluster.id)}/groups` }, "← Consumer groups")), section);
  await render();
  every(2000, render);
}

// ---------------------------------------------------------------- router

async function route() {
  for (const t of timers) clearInterval(t);
  timers = [];
  const parts = (location.hash.replace(/^#\/?/, "") || "connectors").split("/").map(decodeURIComponent);
  for (const a of document.querySelectorAll("[data-nav]")) {
    a.toggleAttribute("aria-current", a.dataset.nav === parts[0]);
    if (a.dataset.nav === parts[0]) a.setAttribute("aria-current", "page");
  }
  try {
    if (parts[0] === "connectors" && parts[1]) await connectorPage(parts[1]);
    else if (parts[0] === "create") await createPage();
    else if (parts[0] === "cluster") {
      const [, cid, tab, item] = parts;
      if (tab === "topics" && item) await topicPage(cid, item);
      else if (tab === "groups" && item) await groupPage(cid, item);
      else if (tab === "groups") await groupsPage(cid);
      else if (tab === "nodes") await nodesPage(cid);
      else await topicsPage(cid);
    } else await connectorsPage();
  } catch (err) {
    main.replaceChildren(h("h1", {}, "Error"), h("p", { class: "error", role: "alert", id: "page-error" }, err.message));
  }
  document.body.dataset.page = parts[0];
  document.body.dataset.ready = String(Date.now());
}

async function start() {
  try {
    Object.assign(session, await api("GET", "/ui/api/session"));
  } catch (err) {
    main.replaceChildren(h("p", { class: "error" }, err.message));
    return;
  }
  document.body.classList.toggle("read-only", session.read_only);
  document.getElementById("mode").textContent = session.read_only ? "read-only console" : `worker ${session.worker_id || ""}`;
  document.getElementById("confirm-form").addEventListener("submit", (event) => {
    const dialog = document.getElementById("confirm");
    event.preventDefault();
    dialog.close(event.submitter ? event.submitter.value : "cancel");
  });
  window.addEventListener("hashchange", route);
  await route();
}

start();
