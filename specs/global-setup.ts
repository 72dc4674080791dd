// Builds dist/ once before the specs, so that the CLI specs run the real `resnetc` binary as a
// user would (bin/resnetc.js -> dist/cli/main.js) and never a stale build.
import { execFileSync } from "node:child_process";

export default function setup(): void {
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
}
