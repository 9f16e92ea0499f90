// The view's side of MCP Apps: JSON-RPC over postMessage with the host.
const host = (() => {
  let next = 1;
  const pending = new Map();
  const handlers = {};
  window.addEventListener("message", (event) => {
    const m = event.data;
    if (!m || m.jsonrpc !== "2.0") return;
    if (m.id != null && !m.method) {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.error) p.reject(new Error(m.error.message || "request failed"));
      else p.resolve(m.result);
      return;
    }
    if (m.method === "ui/resource-teardown" && m.id != null) {
      window.parent.postMessage({ jsonrpc: "2.0", id: m.id, result: {} }, "*");
      return;
    }
    const handler = handlers[m.method];
    if (handler) handler(m.params || {});
  });
  const request = (method, params) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      window.parent.postMessage({ jsonrpc: "2.0", id, method, params }, "*");
    });
  const notify = (method, params) =>
    window.parent.postMessage({ jsonrpc: "2.0", method, params }, "*");
  const applyContext = (ctx) => {
    if (ctx.theme) document.documentElement.dataset.theme = ctx.theme;
    const vars = (ctx.styles && ctx.styles.variables) || {};
    for (const [k, v] of Object.entries(vars)) {
      if (v) document.documentElement.style.setProperty(k, v);
    }
  };
  handlers["ui/notifications/host-context-changed"] = applyContext;
  // The data a tool result carries: its structured content, else its text block as JSON.
  const data = (result) => {
    if (!result) return null;
    if (result.structuredContent) return result.structuredContent;
    const text = (result.content || []).find((c) => c.type === "text");
    try { return text ? JSON.parse(text.text) : null; } catch { return null; }
  };
  return {
    on(method, handler) { handlers[method] = handler; },
    data,
    async call(name, args) {
      const result = await request("tools/call", { name, arguments: args || {} });
      if (result && result.isError) {
        const text = (result.content || []).find((c) => c.type === "text");
        throw new Error(text ? text.text : name + " failed");
      }
      return data(result);
    },
    async start(name) {
      const result = await request("ui/initialize", {
        protocolVersion: "2026-01-26",
        appInfo: { name, version: "1" },
        appCapabilities: { availableDisplayModes: ["inline"] },
      });
      applyContext((result && result.hostContext) || {});
      notify("ui/notifications/initialized", {});
      new ResizeObserver(() => {
        const r = document.documentElement.getBoundingClientRect();
        notify("ui/notifications/size-changed", { width: Math.ceil(r.width), height: Math.ceil(r.height) });
      }).observe(document.body);
      return result;
    },
  };
})();
const el = (tag, props, ...children) => {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const c of children) if (c != null) e.append(c);
  return e;
};
