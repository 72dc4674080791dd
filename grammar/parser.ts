// The Chevrotain CST parser of the .resnet language. Error recovery is on, so one run reports
// several syntax errors. The grammar is deliberately permissive where the checker can say more
// (layer and training commands are `name arg, arg, ...`); compiler/rules gives the precise errors.
import { CstParser, type CstNode } from "chevrotain";
import * as T from "./tokens.js";
import { syntaxMessages } from "./syntax-messages.js";

export class ResnetParser extends CstParser {
  constructor() {
    super(T.allTokens, {
      recoveryEnabled: true,
      maxLookahead: 3,
      nodeLocationTracking: "full",
      errorMessageProvider: syntaxMessages,
    });
    this.performSelfAnalysis();
  }

  private seps = this.RULE("seps", () => {
    this.MANY(() =>
      this.OR([{ ALT: () => this.CONSUME(T.Newline) }, { ALT: () => this.CONSUME(T.Semi) }]),
    );
  });

  file = this.RULE("file", () => {
    this.SUBRULE(this.seps);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.useDecl) },
        { ALT: () => this.SUBRULE(this.blockDecl) },
        { ALT: () => this.SUBRULE(this.modelDecl) },
      ]);
      this.SUBRULE2(this.seps);
    });
  });

  useDecl = this.RULE("useDecl", () => {
    this.CONSUME(T.Use);
    this.CONSUME(T.StringLit);
  });

  blockDecl = this.RULE("blockDecl", () => {
    this.CONSUME(T.Block);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.param) });
    this.CONSUME(T.RParen);
    this.SUBRULE(this.layerBody);
  });

  param = this.RULE("param", () => {
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expression);
    });
  });

  layerBody = this.RULE("layerBody", () => {
    this.CONSUME(T.LBrace);
    this.SUBRULE(this.seps);
    this.MANY(() => {
      this.OR([{ ALT: () => this.SUBRULE(this.command) }, { ALT: () => this.SUBRULE(this.junk) }]);
      this.SUBRULE2(this.seps);
    });
    this.CONSUME(T.RBrace);
  });

  /** `conv 3x3, 64, stride 2`, `conv1: conv 7x7, 64, stride 2`, `relu`, `sgd momentum 0.9`. */
  command = this.RULE("command", () => {
    this.OPTION(() => {
      this.CONSUME(T.Identifier, { LABEL: "label" });
      this.CONSUME(T.Colon);
    });
    this.CONSUME2(T.Identifier, { LABEL: "name" });
    this.OPTION2(() => this.SUBRULE(this.args));
  });

  args = this.RULE("args", () => {
    this.SUBRULE(this.arg);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.MANY2(() => this.CONSUME(T.Newline));
      this.SUBRULE2(this.arg);
    });
  });

  /** One argument: juxtaposed items, e.g. `stride 2`, `relu none`, `divide 10 at epochs [30, 60]`. */
  arg = this.RULE("arg", () => {
    this.AT_LEAST_ONE(() => this.SUBRULE(this.item));
  });

  item = this.RULE("item", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Dims) },
      { ALT: () => this.CONSUME(T.StringLit) },
      { ALT: () => this.SUBRULE(this.list) },
      {
        ALT: () => {
          this.SUBRULE(this.expression);
          this.OPTION(() => {
            this.CONSUME(T.DotDot);
            this.SUBRULE2(this.expression);
          });
        },
      },
    ]);
  });

  list = this.RULE("list", () => {
    this.CONSUME(T.LBracket);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression) });
    this.CONSUME(T.RBracket);
  });

  modelDecl = this.RULE("modelDecl", () => {
    this.CONSUME(T.Model);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OPTION(() => {
      this.CONSUME(T.Extends);
      this.CONSUME2(T.Identifier, { LABEL: "parent" });
    });
    this.CONSUME(T.LBrace);
    this.SUBRULE(this.seps);
    this.MANY(() => {
      this.SUBRULE(this.modelStmt);
      this.SUBRULE2(this.seps);
    });
    this.CONSUME(T.RBrace);
  });

  modelStmt = this.RULE("modelStmt", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.inputStmt) },
      { ALT: () => this.SUBRULE(this.shortcutStmt) },
      { ALT: () => this.SUBRULE(this.stemStmt) },
      { ALT: () => this.SUBRULE(this.variantsStmt) },
      { ALT: () => this.SUBRULE(this.stagesStmt) },
      { ALT: () => this.SUBRULE(this.stageStmt) },
      { ALT: () => this.SUBRULE(this.headStmt) },
      { ALT: () => this.SUBRULE(this.trainStmt) },
      { ALT: () => this.SUBRULE(this.unknownStmt) },
      { ALT: () => this.SUBRULE(this.junk) },
    ]);
  });

  /** A line that starts with no name (`32`, `[1, 2]`): kept so that recovery goes on at the next line. */
  junk = this.RULE("junk", () => {
    this.AT_LEAST_ONE(() => this.SUBRULE(this.junkToken));
    // The rest of the line, names included.
    this.MANY(() =>
      this.OR2([
        { ALT: () => this.SUBRULE2(this.junkToken) },
        { ALT: () => this.CONSUME(T.Identifier) },
        { ALT: () => this.SUBRULE(this.callArgs) },
      ]),
    );
  });

  private junkToken = this.RULE("junkToken", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.RBracket) },
      { ALT: () => this.CONSUME(T.RParen) },
      { ALT: () => this.CONSUME(T.Times) },
      { ALT: () => this.CONSUME(T.Integer) },
      { ALT: () => this.CONSUME(T.Float) },
      { ALT: () => this.CONSUME(T.NegNumber) },
      { ALT: () => this.CONSUME(T.Dims) },
      { ALT: () => this.CONSUME(T.StringLit) },
      { ALT: () => this.CONSUME(T.Comma) },
      { ALT: () => this.CONSUME(T.Colon) },
      { ALT: () => this.CONSUME(T.Equals) },
      { ALT: () => this.CONSUME(T.Star) },
      { ALT: () => this.CONSUME(T.Plus) },
      { ALT: () => this.CONSUME(T.Minus) },
      { ALT: () => this.CONSUME(T.Slash) },
      { ALT: () => this.CONSUME(T.DotDot) },
      { ALT: () => this.SUBRULE(this.list) },
    ]);
  });

  /** Any other `word ...` line: parsed so that the checker can say what was meant (RN010). */
  unknownStmt = this.RULE("unknownStmt", () => {
    this.SUBRULE(this.command);
    this.OPTION(() => this.SUBRULE(this.layerBody));
  });

  inputStmt = this.RULE("inputStmt", () => {
    this.CONSUME(T.Input);
    this.CONSUME(T.Dims);
  });

  shortcutStmt = this.RULE("shortcutStmt", () => {
    this.CONSUME(T.Shortcut);
    this.OR([{ ALT: () => this.CONSUME(T.Identifier) }, { ALT: () => this.CONSUME(T.Times) }]);
  });

  stemStmt = this.RULE("stemStmt", () => {
    this.CONSUME(T.Stem);
    this.OPTION(() => this.CONSUME(T.Identifier));
    this.SUBRULE(this.layerBody);
  });

  headStmt = this.RULE("headStmt", () => {
    this.CONSUME(T.Head);
    this.SUBRULE(this.layerBody);
  });

  trainStmt = this.RULE("trainStmt", () => {
    this.CONSUME(T.Train);
    this.SUBRULE(this.layerBody);
  });

  variantsStmt = this.RULE("variantsStmt", () => {
    this.CONSUME(T.Variants);
    this.CONSUME(T.LBrace);
    this.SUBRULE(this.seps);
    this.MANY(() => {
      this.SUBRULE(this.variantEntry);
      this.SUBRULE2(this.seps);
    });
    this.CONSUME(T.RBrace);
  });

  /** `50: bottleneck x [3, 4, 6, 3]` or `20: n = 3`. */
  variantEntry = this.RULE("variantEntry", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Integer, { LABEL: "key" }) },
      { ALT: () => this.CONSUME(T.Identifier, { LABEL: "key" }) },
    ]);
    this.CONSUME(T.Colon);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.binding) });
  });

  /** `n = 3` or `bottleneck x [3, 4, 6, 3]`. */
  binding = this.RULE("binding", () => {
    this.CONSUME(T.Identifier);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Equals);
          this.SUBRULE(this.expression);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Times);
          this.SUBRULE(this.list);
        },
      },
    ]);
  });

  /** `stages conv2..conv5 basic x [2, 2, 2, 2] widths [64, 128, 256, 512] strides [1, 2, 2, 2]` */
  stagesStmt = this.RULE("stagesStmt", () => {
    this.CONSUME(T.Stages);
    this.CONSUME(T.Identifier, { LABEL: "from" });
    this.CONSUME(T.DotDot);
    this.CONSUME2(T.Identifier, { LABEL: "to" });
    this.MANY(() => this.SUBRULE(this.stagesItem));
  });

  /** `basic x [n, n, n]`, `bottleneck(expansion = 2) x [3, 4, 6, 3]`, `widths [..]`, `strides [..]`. */
  stagesItem = this.RULE("stagesItem", () => {
    this.CONSUME(T.Identifier);
    this.OR([
      {
        ALT: () => {
          this.OPTION(() => this.SUBRULE(this.callArgs));
          this.CONSUME(T.Times);
          this.SUBRULE(this.list);
        },
      },
      { ALT: () => this.SUBRULE2(this.list, { LABEL: "values" }) },
    ]);
  });

  /** `stage conv3: basic(128) x 4, stride 2, shortcut C` */
  stageStmt = this.RULE("stageStmt", () => {
    this.CONSUME(T.Stage);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OPTION(() => this.CONSUME(T.Colon));
    this.CONSUME2(T.Identifier, { LABEL: "block" });
    this.OPTION2(() => this.SUBRULE(this.callArgs));
    this.CONSUME(T.Times);
    this.SUBRULE(this.expression, { LABEL: "count" });
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.Shortcut, { LABEL: "shortcutKw" });
            this.OR2([
              { ALT: () => this.CONSUME3(T.Identifier, { LABEL: "shortcutValue" }) },
              { ALT: () => this.CONSUME2(T.Times, { LABEL: "shortcutValue" }) },
            ]);
          },
        },
        { ALT: () => this.SUBRULE(this.arg) },
      ]);
    });
  });

  callArgs = this.RULE("callArgs", () => {
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.callArg) });
    this.CONSUME(T.RParen);
  });

  callArg = this.RULE("callArg", () => {
    this.OPTION(() => {
      this.CONSUME(T.Identifier);
      this.CONSUME(T.Equals);
    });
    this.SUBRULE(this.expression);
  });

  expression = this.RULE("expression", () => {
    this.SUBRULE(this.term, { LABEL: "lhs" });
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Plus) }, { ALT: () => this.CONSUME(T.Minus) }]);
      this.SUBRULE2(this.term, { LABEL: "rhs" });
    });
  });

  term = this.RULE("term", () => {
    this.SUBRULE(this.factor, { LABEL: "lhs" });
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Star) }, { ALT: () => this.CONSUME(T.Slash) }]);
      this.SUBRULE2(this.factor, { LABEL: "rhs" });
    });
  });

  factor = this.RULE("factor", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Integer) },
      { ALT: () => this.CONSUME(T.Float) },
      { ALT: () => this.CONSUME(T.NegNumber) },
      {
        GATE: () => !isCall(this.LA(1).image, this.LA(2).tokenType),
        ALT: () => this.CONSUME(T.Identifier),
      },
      {
        // `floor(c * base_width / 64)`: the one built-in function (integer arithmetic).
        GATE: () => isCall(this.LA(1).image, this.LA(2).tokenType),
        IGNORE_AMBIGUITIES: true,
        ALT: () => {
          this.CONSUME2(T.Identifier, { LABEL: "fn" });
          this.CONSUME2(T.LParen);
          this.SUBRULE2(this.expression, { LABEL: "fnArg" });
          this.CONSUME2(T.RParen);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Minus);
          this.SUBRULE(this.factor, { LABEL: "negated" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.expression);
          this.CONSUME(T.RParen);
        },
      },
    ]);
  });
}

/** Names that, followed by `(`, call a built-in function in an expression. */
export const FUNCTIONS = ["floor"];

function isCall(name: string, next: unknown): boolean {
  return FUNCTIONS.includes(name) && next === T.LParen;
}

/** One shared parser instance (Chevrotain parsers are reusable: set `input`, call a rule). */
export const parser = new ResnetParser();

export type { CstNode };
