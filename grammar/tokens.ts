// Tokens of the .resnet language (Chevrotain). Newlines end statements, except inside ( ) and [ ],
// where the lexer switches to a mode that skips them so lists and argument lists may span lines.
import { createToken, Lexer, type TokenType } from "chevrotain";

export const WhiteSpace = createToken({
  name: "WhiteSpace",
  pattern: /[ \t\r]+/,
  group: Lexer.SKIPPED,
});
export const Newline = createToken({ name: "Newline", pattern: /\n/, line_breaks: true });
export const SkippedNewline = createToken({
  name: "SkippedNewline",
  pattern: /\n/,
  line_breaks: true,
  group: Lexer.SKIPPED,
});
export const LineComment = createToken({
  name: "LineComment",
  pattern: /\/\/[^\n]*/,
  group: "comments",
});
export const BlockComment = createToken({
  name: "BlockComment",
  pattern: /\/\*[\s\S]*?\*\//,
  line_breaks: true,
  group: "comments",
});

export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_]*/ });

function keyword(word: string): TokenType {
  return createToken({
    name: word[0].toUpperCase() + word.slice(1),
    pattern: new RegExp(word),
    longer_alt: Identifier,
  });
}

export const Model = keyword("model");
export const Block = keyword("block");
export const Use = keyword("use");
export const Extends = keyword("extends");
export const Input = keyword("input");
export const Shortcut = keyword("shortcut");
export const Stem = keyword("stem");
export const Variants = keyword("variants");
export const Stages = keyword("stages");
export const Stage = keyword("stage");
export const Head = keyword("head");
export const Train = keyword("train");
/** `x` in `basic x [2, 2]` and `basic(64) x 3`. */
export const Times = createToken({ name: "Times", pattern: /x/, longer_alt: Identifier });

/** `224x224x3`, `3x3`: sizes. Must come before Integer. */
export const Dims = createToken({ name: "Dims", pattern: /\d+x\d+(?:x\d+)*/ });
export const Float = createToken({
  name: "Float",
  pattern: /\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+/,
});
export const Integer = createToken({ name: "Integer", pattern: /\d+/ });

/**
 * `-1` written right after a space, `(`, `[`, `,` or `:` is a negative literal (`pad -1`), while
 * `a - 1` and `a-1` are subtractions: this keeps juxtaposed arguments (`stride -1`) unambiguous.
 */
export const NegNumber = createToken({
  name: "NegNumber",
  pattern: {
    exec(text: string, offset: number) {
      if (text[offset] !== "-") return null;
      const prev = offset === 0 ? " " : text[offset - 1];
      if (!/[\s([,:=]/.test(prev)) return null;
      const re = /-\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
      re.lastIndex = offset;
      const m = re.exec(text);
      if (!m) return null;
      // `- 1` with a space is a subtraction; `-1` followed by `x` is not a size.
      return m as unknown as RegExpExecArray;
    },
  },
  line_breaks: false,
  start_chars_hint: ["-"],
});
export const StringLit = createToken({ name: "StringLit", pattern: /"(?:[^"\\\n]|\\.)*"/ });
/** A string with no closing quote on its line: reported as RN001 and dropped before parsing. */
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: /"(?:[^"\\\n]|\\.)*/,
});

export const LBrace = createToken({ name: "LBrace", pattern: /\{/ });
export const RBrace = createToken({ name: "RBrace", pattern: /\}/ });
export const LParen = createToken({ name: "LParen", pattern: /\(/, push_mode: "nested" });
export const RParen = createToken({ name: "RParen", pattern: /\)/, pop_mode: true });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/, push_mode: "nested" });
export const RBracket = createToken({ name: "RBracket", pattern: /\]/, pop_mode: true });
export const Comma = createToken({ name: "Comma", pattern: /,/ });
export const Semi = createToken({ name: "Semi", pattern: /;/ });
export const Colon = createToken({ name: "Colon", pattern: /:/ });
export const DotDot = createToken({ name: "DotDot", pattern: /\.\./ });
export const Equals = createToken({ name: "Equals", pattern: /=/ });
export const Plus = createToken({ name: "Plus", pattern: /\+/ });
export const Minus = createToken({ name: "Minus", pattern: /-/ });
export const Star = createToken({ name: "Star", pattern: /\*/ });
export const Slash = createToken({ name: "Slash", pattern: /\// });

const common: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  Model,
  Block,
  Use,
  Extends,
  Input,
  Shortcut,
  Stem,
  Variants,
  Stages,
  Stage,
  Head,
  Train,
  Times,
  Dims,
  Float,
  Integer,
  NegNumber,
  StringLit,
  UnterminatedString,
  LBrace,
  RBrace,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Semi,
  Colon,
  DotDot,
  Equals,
  Plus,
  Minus,
  Star,
  Slash,
  Identifier,
];

/** Every token the parser knows (one instance each), for the parser's vocabulary. */
export const allTokens: TokenType[] = [Newline, ...common];

export const lexerDefinition = {
  modes: {
    main: [Newline, ...common],
    nested: [SkippedNewline, ...common],
  },
  defaultMode: "main",
};

export const ResnetLexer = new Lexer(lexerDefinition, {
  positionTracking: "full",
  ensureOptimizations: false,
});
