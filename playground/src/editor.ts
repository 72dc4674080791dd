// The spec editor: CodeMirror 6 with .resnet colouring and the compiler's diagnostics inline.
import { StreamLanguage, type StringStream } from "@codemirror/language";
import { linter, lintGutter, type Diagnostic as CmDiagnostic } from "@codemirror/lint";
import type { Extension } from "@codemirror/state";
import { EditorView, basicSetup } from "codemirror";
import { languageWords, type PageDiagnostic } from "./compiler.js";

// The words to colour come from the compiler (statements, layers, the prelude's block types).
const WORDS = languageWords();
const KEYWORDS = new Set(WORDS.keywords);
const LAYERS = new Set(WORDS.layers);

/** .resnet tokens for colouring (the real lexer is Chevrotain's; this only paints). */
const resnetLanguage = StreamLanguage.define<null>({
  name: "resnet",
  token(stream: StringStream): string | null {
    if (stream.eatSpace()) return null;
    if (stream.match("//")) {
      stream.skipToEnd();
      return "comment";
    }
    if (stream.match(/^"(?:[^"\\]|\\.)*"?/)) return "string";
    if (stream.match(/^\d+(?:x\d+)*(?:\.\d+)?(?:e-?\d+)?/)) return "number";
    const word = stream.match(/^[A-Za-z_][A-Za-z0-9_]*/) as RegExpMatchArray | null;
    if (word) {
      if (KEYWORDS.has(word[0])) return "keyword";
      if (LAYERS.has(word[0])) return "typeName";
      return "variableName";
    }
    stream.next();
    return "punctuation";
  },
  languageData: { commentTokens: { line: "//" } },
});

function toCm(d: PageDiagnostic, length: number): CmDiagnostic {
  const from = Math.min(d.from, length);
  const to = Math.min(Math.max(d.to, from), length);
  return {
    from,
    to,
    severity: d.severity,
    source: d.code,
    message: d.message + (d.hint ? `\nhint: ${d.hint}` : ""),
  };
}

export interface EditorOptions {
  parent: HTMLElement;
  text: string;
  /** Compiles the text; its diagnostics in the editor's file are drawn inline. */
  check(text: string): PageDiagnostic[];
}

export function createEditor(opts: EditorOptions): EditorView {
  const lint: Extension = linter(
    (view) => {
      const text = view.state.doc.toString();
      return opts
        .check(text)
        .filter((d) => d.inEditor)
        .map((d) => toCm(d, text.length));
    },
    { delay: 250 },
  );
  return new EditorView({
    doc: opts.text,
    parent: opts.parent,
    extensions: [basicSetup, resnetLanguage, lintGutter(), lint],
  });
}
