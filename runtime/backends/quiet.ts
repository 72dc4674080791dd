// Keeping tfjs quiet where it only chats, without hiding real warnings.

import * as tf from "@tensorflow/tfjs-core";

/**
 * The cpu backend prints "Hi, looks like you are running TensorFlow.js in Node.js. To speed
 * things up dramatically, install our node backend" on its first tensor. resnetc picks and
 * explains its backend itself, so that banner only confuses. tf.env().set('PROD', true) would
 * also silence every other tfjs warning; this clears just the banner's first-use flag.
 */
export function quietCpuBanner(): void {
  try {
    const cpu = tf.findBackend("cpu") as unknown as { firstUse?: boolean } | null;
    if (cpu != null && "firstUse" in cpu) cpu.firstUse = false;
  } catch {
    // no cpu backend registered: nothing to quiet
  }
}

type Listener = (...args: unknown[]) => void;
const EVENTS = ["uncaughtException", "unhandledRejection"] as const;

function listenersOf(event: string): Listener[] {
  return (process as unknown as { listeners(e: string): Listener[] }).listeners(event);
}

/**
 * Runs `f` and then removes the process-wide uncaughtException/unhandledRejection listeners it
 * added. tfjs-backend-wasm's emscripten glue installs listeners that rethrow, so any later
 * unrelated crash is printed together with a screenful of minified glue code; removing them
 * restores Node's own reporting and changes nothing else.
 */
export async function withoutNewProcessListeners<T>(f: () => Promise<T>): Promise<T> {
  const before = new Map<string, Set<Listener>>(EVENTS.map((e) => [e, new Set(listenersOf(e))]));
  try {
    return await f();
  } finally {
    for (const e of EVENTS) {
      for (const l of listenersOf(e)) {
        if (!before.get(e)!.has(l)) process.removeListener(e, l);
      }
    }
  }
}
