// The playground page: the spec in an editor, checked as you type; its Table 1 layout, per-layer
// summary and graph; training on the bundled MNIST digits in the browser, and the trained model
// as a download that `resnetc eval` reads.
import { compile, type Compiled } from "./compiler.js";
import { createEditor } from "./editor.js";
import { setupTraining } from "./panel.js";

interface SpecFile {
  path: string;
  name: string;
  text: string;
  imports: Record<string, string>;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let current: Compiled | null = null;
let spec: SpecFile | null = null;

function renderDiagnostics(c: Compiled): void {
  const list = $("diagnostics");
  list.replaceChildren(
    ...c.diagnostics.map((d) => {
      const li = document.createElement("li");
      li.className = d.severity;
      li.dataset.code = d.code;
      li.dataset.line = String(d.line);
      li.textContent = `${d.file}:${d.line}:${d.col} - ${d.severity} ${d.code}: ${d.message}`;
      if (d.hint) {
        const hint = document.createElement("div");
        hint.className = "hint";
        hint.textContent = `hint: ${d.hint}`;
        li.append(hint);
      }
      return li;
    }),
  );
  $("check-status").textContent = c.diagnostics.some((d) => d.severity === "error")
    ? `${c.diagnostics.filter((d) => d.severity === "error").length} error(s)`
    : "no errors";
}

function renderModels(c: Compiled): void {
  if (c.models.length === 0) return; // keep the last good views while the spec has errors
  $("models").replaceChildren(
    ...c.models.map((m) => {
      const li = document.createElement("li");
      li.className = "params";
      li.textContent = `${m.title}: ${m.params.toLocaleString("en-US")} parameters, ${(m.multiplyAdds / 1e6).toFixed(1)}M multiply-adds, depth ${m.depth}`;
      return li;
    }),
  );
  $("table").textContent = c.table;
  $("summary").textContent = c.summary;
  const select = $<HTMLSelectElement>("model");
  const keep = select.value;
  select.replaceChildren(
    ...c.models.map((m, i) => new Option(m.title, String(i), false, String(i) === keep)),
  );
  showGraph();
}

function showGraph(): void {
  const i = Number($<HTMLSelectElement>("model").value || 0);
  const m = current?.models[i];
  if (!m) return;
  $("graph").innerHTML = m.svg;
  // The spec's recipe fills the Train tab's settings the user has not changed.
  for (const [id, v] of Object.entries(m.train)) {
    const input = $<HTMLInputElement>(id);
    if (input.dataset.edited !== "true") input.value = String(v);
  }
}

function check(text: string) {
  if (spec === null) return [];
  current = compile(spec.path, text, spec.imports);
  renderDiagnostics(current);
  renderModels(current);
  document.body.dataset.compiled = String((Number(document.body.dataset.compiled) || 0) + 1);
  return current.diagnostics;
}

function setupTabs(): void {
  const tabs = [...document.querySelectorAll<HTMLButtonElement>("nav button")];
  for (const t of tabs) {
    t.addEventListener("click", () => {
      for (const u of tabs) {
        u.classList.toggle("active", u === t);
        $(u.dataset.tab!).hidden = u !== t;
      }
    });
  }
}

async function main(): Promise<void> {
  setupTabs();
  const res = await fetch("api/specs");
  const specs = (await res.json()) as SpecFile[];
  const files = $<HTMLSelectElement>("file");
  files.replaceChildren(...specs.map((s, i) => new Option(s.name, String(i))));
  let editor: ReturnType<typeof createEditor> | null = null;
  const open = (i: number) => {
    spec = specs[i];
    editor?.destroy();
    editor = createEditor({ parent: $("editor"), text: spec.text, check });
    check(spec.text);
  };
  files.addEventListener("change", () => open(Number(files.value)));
  $("model").addEventListener("change", showGraph);
  for (const id of ["batch", "lr", "epochs"]) {
    $(id).addEventListener("input", () => ($(id).dataset.edited = "true"));
  }
  open(0);
  setupTraining({
    modelIndex: () => Number($<HTMLSelectElement>("model").value || 0),
    specName: () => spec?.name ?? "spec.resnet",
  });
}

main().catch((err: unknown) => {
  $("check-status").textContent = `the page failed to start: ${(err as Error).message}`;
  console.error(err);
});
