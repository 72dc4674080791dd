// Syntax error messages in the user's words ("expected '}' but found 'foo'"), not Chevrotain's.
import type { IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";

const TOKEN_LABELS: Record<string, string> = {
  Newline: "end of line",
  Identifier: "a name",
  Integer: "an integer",
  Float: "a number",
  NegNumber: "a number",
  Dims: "a size such as 3x3 or 224x224x3",
  StringLit: 'a string such as "file.resnet"',
  LBrace: "'{'",
  RBrace: "'}'",
  LParen: "'('",
  RParen: "')'",
  LBracket: "'['",
  RBracket: "']'",
  Comma: "','",
  Semi: "';'",
  Colon: "':'",
  DotDot: "'..'",
  Equals: "'='",
  Times: "'x'",
  Plus: "'+'",
  Minus: "'-'",
  Star: "'*'",
  Slash: "'/'",
  EOF: "end of file",
};

function label(t: TokenType): string {
  return TOKEN_LABELS[t.name] ?? `'${t.name.toLowerCase()}'`;
}

export function shown(t: IToken): string {
  if (t.tokenType.name === "EOF") return "end of file";
  if (t.tokenType.name === "Newline") return "end of line";
  return `'${t.image}'`;
}

export const syntaxMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    if (expected.name === "EOF")
      return `unexpected ${shown(actual)}: expected 'model', 'block' or 'use'`;
    return `expected ${label(expected)} but found ${shown(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected ${shown(firstRedundant)}: expected 'model', 'block' or 'use'`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const firsts = new Set<string>();
    for (const alt of expectedPathsPerAlt)
      for (const path of alt) if (path[0]) firsts.add(label(path[0]));
    const what = RULE_NAMES[ruleName] ?? ruleName;
    return `unexpected ${shown(actual[0])} in ${what}: expected ${[...firsts].join(", ")}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const firsts = new Set<string>();
    for (const path of expectedIterationPaths) if (path[0]) firsts.add(label(path[0]));
    const what = RULE_NAMES[ruleName] ?? ruleName;
    return `unexpected ${shown(actual[0])} in ${what}: expected ${[...firsts].join(", ")}`;
  },
};

const RULE_NAMES: Record<string, string> = {
  modelStmt: "a model (expected input, shortcut, stem, variants, stages, stage, head or train)",
  item: "an argument",
  factor: "an expression",
  binding: "a variant",
  variantEntry: "a variant",
  arg: "an argument",
};
