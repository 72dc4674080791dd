// Formatting .resnet files through Prettier with the resnet plugin (compiler/format/plugin.ts).
import * as prettier from "prettier";
import plugin from "./plugin.js";

export { default as resnetPlugin } from "./plugin.js";

/**
 * The formatted text of a .resnet file. Throws (with `line:col` and the message) when the file
 * has a syntax error. `filepath` is only used in error messages.
 */
export async function formatResnet(text: string, filepath?: string): Promise<string> {
  return prettier.format(text, {
    parser: "resnet",
    plugins: [plugin],
    printWidth: 100,
    ...(filepath !== undefined ? { filepath } : {}),
  });
}

/** Whether the text is already formatted (what `prettier --check` would say). */
export async function checkFormatted(text: string, filepath?: string): Promise<boolean> {
  return (await formatResnet(text, filepath)) === text;
}
