// Cluster: nodes, topics and their actions, consumer groups with lag (/ui/api/clusters).

import {
  main,
  h,
  api,
  enc,
  clusterPath,
  every,
  badge,
  table,
  errorBox,
  showError,
  clearError,
  action,
  fmt,
  bytes,
} from "./util.js";

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
  const watch = async (asked) => {
    for (;;) {
      const ongoing = await api("GET", `${base}/reassignments`);
      if (!ongoing.length) break;
      progress.textContent = `Reassigning ${ongoing.length} partition(s): ${ongoing.map((o) => `${o.partition} → ${o.replicas.join(",")} (adding ${o.adding.join(",") || "-"}, removing ${o.removing.join(",") || "-"})`).join("; ")}`;
      progress.className = "";
      await new Promise((r) => setTimeout(r, 1000));
    }
    // the controller is done before every broker's metadata says so: show the new replicas
    const placed = (now) => now.partitions.every((p) => !(p.partition in asked) || p.replicas.join(",") === asked[p.partition].join(","));
    for (let i = 0; i < 30 && !placed(await api("GET", base)); i++) await new Promise((r) => setTimeout(r, 500));
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
        watch(partitions).catch((err) => { progress.textContent = err.message; progress.className = "error"; });
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

export { nodesPage, topicsPage, topicPage, groupsPage, groupPage };
