// smart-connect console: a single page over the worker's REST API (hash routes).
// Every request goes to the worker that served the page, with the console's header
// (X-Smart-Connect-UI) so ui.read.only can refuse changes made from here.

import { api, clearTimers, h, main, session } from "./util.js";
import { connectorPage, connectorsPage } from "./connectors.js";
import { createPage } from "./create.js";
import { groupPage, groupsPage, nodesPage, topicPage, topicsPage } from "./cluster.js";

// ---------------------------------------------------------------- router

async function route() {
  clearTimers();
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
