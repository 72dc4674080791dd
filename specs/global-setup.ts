// Builds dist/ once before the specs, so that the CLI specs run the real `resnetc` binary as a
// user would (bin/resnetc.js -> dist/cli/main.js) and never a stale build. Type errors do not stop
// the specs (tsc still emits; `npm run typecheck` and CI report them).
import { spawnSync } from "node:child_process";

export default function setup(): void {
  const r = spawnSync(
    process.execPath,
    ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"],
    { encoding: "utf8" },
  );
  if (r.status !== 0) {
    process.stderr.write(
      `warning: tsc reported errors while building dist/ for the CLI specs:\n${r.stdout}${r.stderr}\n`,
    );
  }
  // The playground page (dist/playground), which `resnetc playground` serves to the browser specs.
  const page = spawnSync(process.execPath, ["playground/build.mjs"], { encoding: "utf8" });
  if (page.status !== 0) {
    process.stderr.write(`warning: the playground page did not build:\n${page.stderr}\n`);
  }
}
