// Where the cursor is, read from the text itself (it is usually half-typed and may not parse):
// the stack of enclosing `{` sections (model, block, stem, head, train, variants) and the text of
// the current statement before the cursor.

export type Section = "top" | "model" | "block" | "stem" | "head" | "train" | "variants";

const SECTIONS = new Set(["model", "block", "stem", "head", "train", "variants"]);

export interface CursorContext {
  section: Section;
  /** The current statement up to the cursor (after the last newline, `;` or `{`). */
  statement: string;
}

export function cursorContext(text: string, offset: number): CursorContext {
  const stack: Section[] = [];
  let stmtStart = 0;
  let i = 0;
  while (i < offset) {
    const c = text[i];
    if (c === "/" && text[i + 1] === "/") {
      const e = text.indexOf("\n", i);
      if (e < 0 || e >= offset) return { section: top(stack), statement: "" };
      i = e;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const e = text.indexOf("*/", i + 2);
      if (e < 0 || e + 2 > offset) return { section: top(stack), statement: "" };
      i = e + 2;
      continue;
    }
    if (c === '"') {
      const e = text.indexOf('"', i + 1);
      const nl = text.indexOf("\n", i + 1);
      if (e < 0 || (nl >= 0 && nl < e) || e >= offset) break; // inside a string
      i = e + 1;
      continue;
    }
    if (c === "{") {
      const word = /^\s*(\w+)/.exec(text.slice(stmtStart, i))?.[1] ?? "";
      stack.push(SECTIONS.has(word) ? (word as Section) : "model");
      stmtStart = i + 1;
    } else if (c === "}") {
      stack.pop();
      stmtStart = i + 1;
    } else if (c === "\n" || c === ";") {
      if (!insideBrackets(text, stmtStart, i)) stmtStart = i + 1;
    }
    i++;
  }
  return { section: top(stack), statement: text.slice(stmtStart, offset) };
}

function top(stack: Section[]): Section {
  return stack[stack.length - 1] ?? "top";
}

/** Newlines inside `[ ]` or `( )` (and after a trailing comma) do not end a statement. */
function insideBrackets(text: string, from: number, to: number): boolean {
  let depth = 0;
  for (let i = from; i < to; i++) {
    if (text[i] === "[" || text[i] === "(") depth++;
    else if (text[i] === "]" || text[i] === ")") depth = Math.max(0, depth - 1);
  }
  return depth > 0 || /,\s*$/.test(text.slice(from, to));
}
