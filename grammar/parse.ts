// Text -> tokens -> CST -> AST, collecting every lexical and syntax error (RN001, RN002).
import type { IRecognitionException, IToken } from "chevrotain";
import type { FileAst } from "./ast.js";
import type { FileCstNode } from "./cst.js";
import { error, type Diagnostic } from "./diagnostic.js";
import { parser } from "./parser.js";
import { ResnetLexer } from "./tokens.js";
import { AstBuilder } from "./to-ast.js";
import { shown } from "./syntax-messages.js";

export interface ParseResult {
  ast: FileAst;
  diagnostics: Diagnostic[];
}

const MODEL_WORDS =
  "a model statement: input, shortcut, stem, variants, stages, stage, head or train";

export function parseSource(path: string, text: string): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const builder = new AstBuilder(path, text);
  const lex = ResnetLexer.tokenize(text);
  for (const e of lex.errors) {
    const ch = text.slice(e.offset, e.offset + (e.length || 1));
    diagnostics.push(
      error(
        "RN001",
        `unexpected character ${JSON.stringify(ch)}`,
        {
          file: path,
          start: e.offset,
          end: e.offset + (e.length || 1),
          line: e.line ?? 1,
          col: e.column ?? 1,
        },
        ch === "]" || ch === ")"
          ? "this bracket closes nothing: check the brackets before it"
          : undefined,
      ),
    );
  }
  const tokens = lex.tokens.filter((t) => {
    if (t.tokenType.name !== "UnterminatedString") return true;
    diagnostics.push(
      error(
        "RN001",
        "unterminated string",
        builder.tokenSpan(t),
        'close it with " on the same line',
      ),
    );
    return false;
  });
  const deep = tooDeep(tokens);
  if (deep) {
    // The parser recurses once per bracket: refuse before it could run out of stack.
    diagnostics.push(
      error(
        "RN002",
        `brackets nested more than ${MAX_NESTING} deep`,
        builder.tokenSpan(deep),
        "no spec needs this; check for a runaway '(' or '['",
      ),
    );
    parser.input = [];
    return {
      ast: builder.file(parser.file() as FileCstNode, []),
      diagnostics: firstPerLine(diagnostics),
    };
  }
  parser.input = tokens;
  const cst = parser.file() as FileCstNode;
  const lexErrorAt = new Set(lex.errors.map((e) => e.offset));
  for (const e of parser.errors) {
    // A stray bracket is already reported by the lexer; do not report it twice.
    if (lexErrorAt.has(e.token.startOffset)) continue;
    diagnostics.push(syntaxDiagnostic(path, text, e, builder, tokens));
  }
  const comments = (lex.groups.comments ?? []) as IToken[];
  const ast = builder.file(cst, comments);
  diagnostics.push(...builder.problems);
  return { ast, diagnostics: firstPerLine(diagnostics) };
}

/** One syntax error per line, the leftmost: what follows it on the line is mostly its echo. */
function firstPerLine(diagnostics: Diagnostic[]): Diagnostic[] {
  const first = new Map<number | undefined, Diagnostic>();
  for (const d of diagnostics) {
    const prev = first.get(d.span?.line);
    if (!prev || (d.span?.start ?? 0) < (prev.span?.start ?? 0)) first.set(d.span?.line, d);
  }
  return diagnostics.filter((d) => first.get(d.span?.line) === d);
}

/** The deepest nesting the parser is asked to follow (every real spec stays in single digits). */
export const MAX_NESTING = 256;

/** The first bracket that opens level MAX_NESTING + 1, or null. */
function tooDeep(tokens: IToken[]): IToken | null {
  let depth = 0;
  for (const t of tokens) {
    const i = t.image;
    if (i === "(" || i === "[" || i === "{") {
      if (++depth > MAX_NESTING) return t;
    } else if (i === ")" || i === "]" || i === "}") depth = Math.max(0, depth - 1);
  }
  return null;
}

function syntaxDiagnostic(
  path: string,
  text: string,
  e: IRecognitionException,
  builder: AstBuilder,
  tokens: IToken[],
): Diagnostic {
  let t = e.token;
  // An error at end of file points at the last character, not past it.
  if (t.tokenType.name === "EOF" || Number.isNaN(t.startOffset)) {
    const end = Math.max(0, text.trimEnd().length - 1);
    const before = text.slice(0, end);
    const line = before.split("\n").length;
    const col = end - (before.lastIndexOf("\n") + 1) + 1;
    return error(
      "RN002",
      e.message,
      { file: path, start: end, end: end + 1, line, col },
      hintFor(e),
    );
  }
  let message = e.message;
  const at = tokens.findIndex((x) => x.startOffset === t.startOffset);
  let hint = hintFor(e, at > 0 ? tokens[at - 1] : undefined);
  const rule = e.context?.ruleStack?.[e.context.ruleStack.length - 1];
  if (rule === "modelDecl" && message.startsWith("expected '}' but found")) {
    message = `unexpected ${shown(t)}: expected ${MODEL_WORDS}, or '}'`;
  }
  return error("RN002", message, builder.tokenSpan(t), hint);
}

function hintFor(e: IRecognitionException, prev?: IToken): string | undefined {
  const m = e.message;
  if (/expected '\}' but found end of file/.test(m)) return "a '{' is never closed";
  if (/^expected a size/.test(m) && e.token.tokenType.name === "Integer")
    return "write sizes without spaces, e.g. 32x32x3";
  if (e.token.tokenType.name === "NegNumber")
    return `'${e.token.image}' right after a space is a negative number; to subtract, write '- ${e.token.image.slice(1)}'`;
  if (/found 'x'/.test(m) && prev && /^(Integer|Dims)$/.test(prev.tokenType.name))
    return "write sizes without spaces, e.g. 3x3 or 224x224x3";
  if (/expected '\]'/.test(m)) return "lists are written [1, 2, 3]";
  return undefined;
}
