// Create: a form built from the plugin's config definition, or pasted task JSON.

import {
  main,
  session,
  h,
  api,
  enc,
  every,
  errorBox,
  showError,
  clearError,
  debounce,
} from "./util.js";

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

export { createPage };
