// Loads one MCP Apps view in headless Chromium inside a small host page that speaks the host side
// of the protocol, does what a person would, and prints what they would see as JSON.
// Usage: node drive.mjs spec.json   (spec: html, theme, input, result, answers, script, screenshot)
// The browser: $CHROMIUM (.ci/run sets it), else Debian's /usr/bin/chromium.
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
// JSON inside the host page's <script>: "</" must not end it.
const inline = (value) => JSON.stringify(value).replace(/<\//g, "<\\/");

// The host page: the view in a sandboxed iframe; answers ui/initialize, then sends the tool input
// and result; tools/call from the view is answered from the results the test took from the real
// server, and recorded.
const hostPage = `<!doctype html><html><body style="margin:0">
<iframe id="view" sandbox="allow-scripts allow-same-origin" style="border:0;width:100%;height:100vh"></iframe>
<script>
window.calls = [];
window.initialized = false;
const spec = ${inline({ theme: spec.theme, input: spec.input, result: spec.result, answers: spec.answers })};
const frame = document.getElementById("view");
const send = (m) => frame.contentWindow.postMessage(Object.assign({ jsonrpc: "2.0" }, m), "*");
window.addEventListener("message", (event) => {
  const m = event.data;
  if (!m || m.jsonrpc !== "2.0" || event.source !== frame.contentWindow) return;
  if (m.method === "ui/initialize") {
    send({ id: m.id, result: {
      protocolVersion: "2026-01-26",
      hostInfo: { name: "plex-mcp view test", version: "1" },
      hostCapabilities: { serverTools: {} },
      hostContext: { theme: spec.theme, displayMode: "inline", platform: "desktop",
        styles: { variables: spec.theme === "dark"
          ? { "--color-background-primary": "#111418", "--color-text-primary": "#eeeeee" }
          : { "--color-background-primary": "#ffffff", "--color-text-primary": "#111111" } } },
    } });
  } else if (m.method === "ui/notifications/initialized") {
    window.initialized = true;
    send({ method: "ui/notifications/tool-input", params: { arguments: spec.input } });
    send({ method: "ui/notifications/tool-result", params: spec.result });
  } else if (m.method === "tools/call") {
    window.calls.push(m.params);
    const answer = spec.answers[m.params.name];
    if (answer) send({ id: m.id, result: answer });
    else send({ id: m.id, error: { code: -32601, message: "no answer for " + m.params.name } });
  } else if (m.id != null) {
    send({ id: m.id, result: {} });
  }
});
frame.srcdoc = ${inline(spec.html)};
</script></body></html>`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
try {
  const page = await browser.newPage({ viewport: { width: 820, height: spec.height || 640 }, colorScheme: spec.theme });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await page.setContent(hostPage);
  await page.waitForFunction(() => window.initialized, null, { timeout: 10000 }).catch((e) => {
    throw new Error("the view never initialized; page errors: " + JSON.stringify(errors) + "; " + e.message);
  });
  const view = page.frameLocator("#view");
  const out = { errors };
  const calls = () => page.evaluate(() => window.calls);
  out.background = await view.locator("body").evaluate((b) => getComputedStyle(b).backgroundColor);

  if (spec.script === "poster-wall") {
    await view.locator(".poster").first().waitFor();
    await page.waitForFunction(() => window.calls.some((c) => c.name === "get_view_posters"));
    await view.locator(".poster img[src^='data:']").first().waitFor();
    out.titles = await view.locator(".poster .name").allTextContents();
    out.heading = await view.locator("#heading").textContent();
    out.postersWithImages = await view.locator(".poster img[src^='data:']").count();
    await view.locator(".poster").first().click();
    out.details = await view.locator("#details h2").textContent();
    if (spec.play) {
      await view.locator("#play").click();
      await view.locator(".player").first().waitFor();
      out.players = await view.locator(".player").allTextContents();
      await view.locator(".player").first().click();
      await view.locator("#played").waitFor();
      out.played = await view.locator("#played").textContent();
    } else {
      out.playButtons = await view.locator("#play").count();
    }
  } else if (spec.script === "now-playing") {
    await view.locator(".stream").first().waitFor();
    out.titles = await view.locator(".stream .title").allTextContents();
    out.progress = await view.locator(".stream").evaluateAll((s) => s.map((e) => Number(e.dataset.progress)));
    out.reasons = await view.locator(".why li").allTextContents();
    await view.locator("#refresh").click();
    await page.waitForFunction(() => window.calls.some((c) => c.name === "get_active_sessions"));
    await view.locator(".stream").first().waitFor();
  } else if (spec.script === "year-in-review") {
    await view.locator("#accounts .bar").first().waitFor();
    const bars = (selector) => view.locator(selector).evaluateAll((bs) =>
      bs.map((b) => ({ label: b.dataset.label, value: Number(b.dataset.value) })));
    out.heading = await view.locator("#heading").textContent();
    out.summary = await view.locator("#summary").textContent();
    out.total = await view.locator("#total").textContent();
    out.months = await bars("svg[aria-label='Hours per month'] rect.col");
    out.weekdays = await bars("svg[aria-label='By weekday'] rect.col");
    out.peakWeekday = await view.locator("svg[aria-label='By weekday'] rect.peak").getAttribute("data-label");
    out.accounts = await bars("#accounts .bar");
  }
  out.calls = await calls();
  if (spec.screenshot) await page.screenshot({ path: spec.screenshot });
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
