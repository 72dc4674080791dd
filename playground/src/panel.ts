// The Train tab: backend, settings, Train/Stop, progress, live charts and the model download.
import * as tf from "@tensorflow/tfjs-core";
import { useBackend, type PageBackend } from "./backends.js";
import { lineChart } from "./charts.js";
import { buildModel } from "./compiler.js";
import { download, meanJson, modelArtifacts, modelZip } from "./download.js";
import {
  MNIST_CLASSES,
  MNIST_SHAPE,
  trainMnist,
  type EpochEvent,
  type StepEvent,
} from "./train.js";

/** What the page has done so far, for people reading the console and for the browser specs. */
export interface TrainLog {
  state: "idle" | "training" | "done" | "failed";
  backend: PageBackend | null;
  steps: StepEvent[];
  epochs: EpochEvent[];
  imagesPerSecond: number | null;
  error: string | null;
}

const log: TrainLog = {
  state: "idle",
  backend: null,
  steps: [],
  epochs: [],
  imagesPerSecond: null,
  error: null,
};
(globalThis as { resnetcPlayground?: TrainLog }).resnetcPlayground = log;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const num = (id: string) => Number($<HTMLInputElement>(id).value);

function setState(state: TrainLog["state"], text: string): void {
  log.state = state;
  document.body.dataset.train = state;
  $("train-status").textContent = text;
}

/** The mean of `f` over the 10 steps up to step k (the charts' smoothing). */
function smooth(k: number, f: (s: StepEvent) => number): number {
  const w = log.steps.slice(Math.max(0, k - 9), k + 1);
  return w.reduce((a, s) => a + f(s), 0) / w.length;
}

/** Loss and error against iterations; an epoch's test error at the iteration that ended it. */
function drawCharts(): void {
  $("loss-chart").innerHTML = lineChart(
    [
      {
        name: "training loss (mean of 10 steps)",
        colour: "#1f77b4",
        points: log.steps.map((s, k) => [s.iteration, smooth(k, (x) => x.loss)]),
      },
    ],
    "iteration",
    "loss",
  );
  $("error-chart").innerHTML = lineChart(
    [
      {
        name: "training error % (mean of 10 steps)",
        colour: "#ff7f0e",
        points: log.steps.map((s, k) => [s.iteration, 100 * smooth(k, (x) => x.error)]),
      },
      {
        name: "test error % (each epoch)",
        colour: "#2ca02c",
        points: log.epochs.flatMap((e) =>
          e.testError === null ? [] : [[e.iteration, 100 * e.testError] as [number, number]],
        ),
      },
    ],
    "iteration",
    "error %",
  );
}

export interface PanelOptions {
  modelIndex(): number;
  specName(): string;
}

export function setupTraining(opts: PanelOptions): void {
  let stop = false;
  let zip: { name: string; bytes: Uint8Array } | null = null;
  const start = $<HTMLButtonElement>("train-start");
  const stopBtn = $<HTMLButtonElement>("train-stop");
  const save = $<HTMLButtonElement>("download");
  stopBtn.addEventListener("click", () => (stop = true));
  save.addEventListener("click", () => zip && download(zip.name, zip.bytes));
  start.addEventListener("click", async () => {
    stop = false;
    zip = null;
    start.disabled = true;
    save.disabled = true;
    stopBtn.disabled = false;
    Object.assign(log, { steps: [], epochs: [], imagesPerSecond: null, error: null });
    try {
      setState("training", "starting the backend...");
      log.backend = await useBackend($<HTMLSelectElement>("backend").value as PageBackend | "auto");
      $("backend-name").textContent = `backend: ${log.backend} (tfjs ${tf.version_core})`;
      const b = buildModel(opts.modelIndex(), num("seed"));
      const shape = b.model.inputs[0].shape.slice(1).join("x");
      if (shape !== MNIST_SHAPE.join("x")) {
        b.model.dispose();
        throw new Error(
          `training here uses the bundled MNIST digits (28x28x1); this model takes ${shape}`,
        );
      }
      setState("training", `loading the MNIST digits; backend ${log.backend}`);
      const iterations = $<HTMLInputElement>("iterations").value.trim();
      const bar = $<HTMLProgressElement>("progress");
      const r = await trainMnist(b.model, {
        recipe: b.recipe,
        batchSize: num("batch"),
        lr: num("lr"),
        epochs: num("epochs"),
        iterations: iterations === "" ? null : Number(iterations),
        seed: num("seed"),
        shouldStop: () => stop,
        onStep: (e) => {
          log.steps.push(e);
          bar.max = e.total;
          bar.value = e.iteration;
          const speed = e.imagesPerSecond === null ? "" : `, ${e.imagesPerSecond.toFixed(1)} img/s`;
          setState(
            "training",
            `${log.backend}: iteration ${e.iteration}/${e.total}, epoch ${e.epoch}, loss ${e.loss.toFixed(4)}${speed}`,
          );
          drawCharts();
        },
        onEpoch: (e) => {
          log.epochs.push(e);
          drawCharts();
        },
      });
      log.imagesPerSecond = r.imagesPerSecond;
      const artifacts = await modelArtifacts(b.model);
      const files = b.files({ data: "mnist", backend: `browser ${log.backend}`, workers: 1 });
      files["classes.json"] = JSON.stringify(MNIST_CLASSES) + "\n";
      if (r.mean) files["mean.json"] = meanJson(r.mean, MNIST_SHAPE);
      const folder = b.model.name;
      zip = { name: `${folder}.zip`, bytes: modelZip(folder, artifacts, files) };
      save.disabled = false;
      const speed = r.imagesPerSecond === null ? "" : `, ${r.imagesPerSecond.toFixed(1)} img/s`;
      setState(
        "done",
        `${r.stopped ? "stopped" : "done"} after ${r.iterations} iterations on ${log.backend}${speed}; ` +
          `the download is a folder for \`resnetc eval ${opts.specName()} --model ${folder}\``,
      );
      b.model.dispose();
    } catch (err) {
      log.error = (err as Error).message;
      setState("failed", `training failed: ${log.error}`);
    } finally {
      start.disabled = false;
      stopBtn.disabled = true;
    }
  });
}
