// The formatter on the family's syntax: floor() in expressions, conv groups and dilation, se,
// dropout, `drop_path` statements and a stage's `drop_path` option.
import { describe, expect, it } from "vitest";
import { formatResnet } from "../../../compiler/format/index.js";
import { parseOk, shape } from "./helpers.js";

const lines = (...ls: string[]) => ls.join("\n") + "\n";

describe("formatting the family's constructs", () => {
  it("spaces floor(), the new options and statements in the house style", async () => {
    const messy = lines(
      "block rx(c,stride=1,groups=32,base_width=4){",
      "conv 1x1,floor( c*base_width/64 )*groups",
      "  conv 3x3,floor(c*base_width/64)*groups,stride stride,groups groups,dilation 1",
      "   se 16;dropout 0.2",
      "conv 1x1,4*c,relu none",
      "}",
      "model m{",
      "input 32x32x3",
      "shortcut d",
      "  drop_path 0.2,linear",
      "stem{conv 3x3,16}",
      "stage conv2: rx(64) x 2,drop_path 0.1",
      "head{global avgpool;dropout 0.5;fc 10}",
      "}",
    );
    const out = await formatResnet(messy);
    expect(out).toBe(
      lines(
        "block rx(c, stride = 1, groups = 32, base_width = 4) {",
        "  conv 1x1, floor(c * base_width / 64) * groups",
        "  conv 3x3, floor(c * base_width / 64) * groups, stride stride, groups groups, dilation 1",
        "  se 16",
        "  dropout 0.2",
        "  conv 1x1, 4 * c, relu none",
        "}",
        "",
        "model m {",
        "  input 32x32x3",
        "  shortcut d",
        "  drop_path 0.2, linear",
        "  stem {",
        "    conv 3x3, 16",
        "  }",
        "  stage conv2: rx(64) x 2, drop_path 0.1",
        "  head {",
        "    global avgpool",
        "    dropout 0.5",
        "    fc 10",
        "  }",
        "}",
      ),
    );
    expect(await formatResnet(out)).toBe(out);
    expect(shape(parseOk(out))).toEqual(shape(parseOk(messy)));
  });
});
