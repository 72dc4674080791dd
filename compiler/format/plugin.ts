// A Prettier 3 plugin for .resnet files:
//
//   prettier --plugin ./dist/compiler/format/plugin.js --write "examples/**/*.resnet"
//   await prettier.format(text, { parser: "resnet", plugins: [plugin] })
//
// The parser is the compiler's own (grammar/parse.ts); a file with a lexical or syntax error is
// not formatted: parsing throws an error with `line:col` and the message. Comments are placed by
// compiler/format/comments.ts rather than by Prettier's comment attachment (the AST handed to
// Prettier has no `comments` property), so every comment is printed exactly once.
// Unknown model statements (`foo 1, 2`) are printed exactly as written.
import type { AstPath, Parser, Plugin, Printer, SupportLanguage } from "prettier";
import type { FileAst } from "../../grammar/ast.js";
import { parseSource } from "../../grammar/parse.js";
import { ResnetPrinter } from "./print.js";

/** The root node given to Prettier. The file's comments stay inside `file`, out of Prettier's way. */
export interface ResnetRoot {
  type: "resnet-root";
  file: FileAst;
  text: string;
}

/** Thrown for a file that does not parse. `loc` lets Prettier show a code frame. */
export class ResnetSyntaxError extends SyntaxError {
  constructor(
    message: string,
    readonly loc: { start: { line: number; column: number } },
  ) {
    super(message);
    this.name = "SyntaxError";
  }
}

function parse(text: string, options: { filepath?: string }): ResnetRoot {
  const path = options.filepath ?? "<input>";
  const { ast, diagnostics } = parseSource(path, text);
  if (diagnostics.length > 0) {
    const lines = diagnostics.map((d) => {
      const at = d.span ? ` (${d.span.line}:${d.span.col})` : "";
      return `${d.code}: ${d.message}${at}`;
    });
    const first = diagnostics.find((d) => d.span)?.span;
    throw new ResnetSyntaxError(lines.join("\n"), {
      start: { line: first?.line ?? 1, column: first?.col ?? 1 },
    });
  }
  return { type: "resnet-root", file: ast, text };
}

// Prettier only ever sees the root node.
function locStart(): number {
  return 0;
}

function locEnd(node: ResnetRoot): number {
  return node.text.length;
}

export const languages: SupportLanguage[] = [
  { name: "resnet", parsers: ["resnet"], extensions: [".resnet"] },
];

export const parsers: Record<string, Parser<ResnetRoot>> = {
  resnet: { parse, astFormat: "resnet-ast", locStart, locEnd },
};

export const printers: Record<string, Printer<ResnetRoot>> = {
  "resnet-ast": {
    print(path: AstPath<ResnetRoot>) {
      const root = path.node;
      return new ResnetPrinter(root.file, root.text).printFile();
    },
    // The whole file is printed from the root; Prettier never walks into it.
    getVisitorKeys: () => [],
  },
};

const plugin: Plugin<ResnetRoot> = { languages, parsers, printers };
export default plugin;
