// Signature help for block calls: `bottleneck(` shows `block bottleneck(c, stride = 1,
// expansion = 4)` with the parameter being typed highlighted (by position or by `name =`).
import type { SignatureHelp } from "vscode-languageserver";
import { printExpr } from "../grammar/ast.js";
import type { Program } from "./compiler-adapter.js";

export function signatureHelp(
  program: Program | null,
  text: string,
  offset: number,
): SignatureHelp | null {
  if (!program) return null;
  const call = openCall(text, offset);
  if (!call) return null;
  const b = program.blocks.get(call.name);
  if (!b) return null;
  const head = `block ${b.name}(`;
  const parts = b.params.map((p) => (p.default ? `${p.name} = ${printExpr(p.default)}` : p.name));
  let at = head.length;
  const parameters = parts.map((p) => {
    const label: [number, number] = [at, at + p.length];
    at += p.length + 2;
    return { label };
  });
  const named = /(\w+)\s*=[^,]*$/.exec(call.current)?.[1];
  const byName = named ? b.params.findIndex((p) => p.name === named) : -1;
  return {
    signatures: [{ label: `${head}${parts.join(", ")})`, parameters }],
    activeSignature: 0,
    activeParameter: byName >= 0 ? byName : Math.min(call.index, Math.max(0, parts.length - 1)),
  };
}

/** The innermost unclosed `NAME(` before the offset on its statement, the argument index and text. */
function openCall(
  text: string,
  offset: number,
): { name: string; index: number; current: string } | null {
  let depth = 0;
  let commas = 0;
  let lastComma = offset;
  const stop = Math.max(0, offset - 2000);
  for (let i = offset - 1; i >= stop; i--) {
    const c = text[i];
    if (c === ")") depth++;
    else if (c === "(") {
      if (depth === 0) {
        const before = text.slice(Math.max(0, i - 200), i);
        const m = /(\w+)\s*$/.exec(before);
        if (!m || /\bblock\s+\w+\s*$/.test(before)) return null;
        return {
          name: m[1],
          index: commas,
          current: text.slice(commas ? lastComma : i + 1, offset),
        };
      }
      depth--;
    } else if (c === "," && depth === 0) {
      if (commas === 0) lastComma = i + 1;
      commas++;
    } else if (c === "{" || c === "}" || c === ";") return null;
  }
  return null;
}
