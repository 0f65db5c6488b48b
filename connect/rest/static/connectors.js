// Connectors: the list (one expanded request, unhealthy first) and a connector's page.

import {
  main,
  h,
  api,
  enc,
  connectorPath,
  every,
  badge,
  table,
  errorBox,
  showError,
  clearError,
  action,
  debounce,
  RANK,
  health,
  metric,
  RATE,
  LAG,
  fmt,
} from "./util.js";

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

export { connectorsPage, connectorPage };
