// resnetc doctor: every backend, whether it loads, and the one `auto` picks.
import { doctor, renderDoctor } from "../../runtime/backends/index.js";
import type { Output } from "../output.js";

export async function doctorCommand(o: Output, flags: { json?: boolean }): Promise<void> {
  const report = await doctor();
  o.out(flags.json ? JSON.stringify(report, null, 2) : renderDoctor(report));
}
