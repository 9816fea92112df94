/**
 * The notebooks, end to end:
 * 1. the committed notebooks have no outputs, no machine paths, and are small;
 * 2. every notebook runs headlessly through the real Deno kernel in quick mode
 *    without an error and shows what it should (executed copies go to
 *    `notebooks/.executed/`);
 * 3. the code cells type-check;
 * 4. the executed copies render in a real browser (classic Jupyter Notebook,
 *    headless Chromium), trusted (plotly charts draw, images load) and
 *    untrusted, as after nbclient or on someone else's machine: the Notebook
 *    then sanitises every HTML output (no script, no inline SVG, no style),
 *    and every chart and picture must still draw from its script-free
 *    fallback (screenshots go to `tests/screenshots/`).
 *
 * `DIGIT_LAB_TEST_NOTEBOOKS=04_train,06_predict` runs and renders only
 * those notebooks (quick checks while working on one; the full suite runs all).
 *
 * Needs Debian's `/usr/bin/python3` with jupyter_client and nbformat, the
 * Deno kernel (`deno jupyter --install`), the classic Notebook and Chromium;
 * a missing one fails the test with how to install it.
 *
 * @module
 */

import { assert, assertEquals } from "@std/assert";
import { join } from "@std/path";
import { chromium } from "playwright-core";
import { listNotebooks, notebookProblems } from "../../lib/cli/notebook.ts";
import { exampleImages } from "../../lib/notebook/files.ts";
import { projectRoot } from "../../lib/core/paths.ts";
import { allOutputs, codeAsModule, type Notebook, readNotebook, textOf } from "./_ipynb.ts";

const ROOT = projectRoot();
const NOTEBOOKS = join(ROOT, "notebooks");
const EXECUTED = join(NOTEBOOKS, ".executed");
const SCREENSHOTS = join(ROOT, "tests", "screenshots");
const RUNNER = join(ROOT, "tests", "notebooks", "run_notebook.py");
const PYTHON = "/usr/bin/python3";
const CHROMIUM = "/usr/bin/chromium";
const UNTRUSTED = join(EXECUTED, "untrusted");
const PLOTLY_MIME = "application/vnd.plotly.v1+json";
/** The classes of Digit Lab's rich outputs whose HTML holds a picture. */
const PICTURE_CLASSES = [
  "digit-lab-live",
  "digit-lab-plot",
  "digit-lab-prediction",
  "digit-lab-sequence",
  "digit-lab-images",
];
const MAX_OUTPUT_BYTES = 1_000_000;

/** What the execution test leaves for the browser test. */
const executed: { names: string[]; trustDb?: string } = { names: [] };

const decoder = new TextDecoder();

async function run(
  program: string,
  args: string[],
  options: { env?: Record<string, string>; clearEnv?: boolean } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const out = await new Deno.Command(program, {
      args,
      ...options,
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    return {
      code: out.code,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
    };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      return { code: 127, stdout: "", stderr: `${program}: not found` };
    }
    throw e;
  }
}

/** Fails with install instructions when the kernel toolchain is missing. */
async function requireKernelTools(): Promise<void> {
  const py = await run(PYTHON, ["-c", "import jupyter_client, nbformat"]);
  if (py.code !== 0) {
    throw new Error(
      `${PYTHON} cannot import jupyter_client and nbformat (${py.stderr.trim()}). Install them with:\n` +
        `  apt-get install -y python3-jupyter-client python3-nbformat`,
    );
  }
  const specs = await run(PYTHON, [
    "-c",
    "import json; from jupyter_client.kernelspec import KernelSpecManager as K; " +
    "print(json.dumps(sorted(K().find_kernel_specs())))",
  ]);
  if (specs.code !== 0 || !(JSON.parse(specs.stdout) as string[]).includes("deno")) {
    throw new Error(
      `the Deno Jupyter kernel is not installed. Install it with:\n  deno jupyter --install`,
    );
  }
}

async function requireBrowserTools(): Promise<void> {
  const nb = await run("jupyter", ["notebook", "--version"]);
  if (nb.code !== 0) {
    throw new Error(
      `the classic Jupyter Notebook is not installed. Install it with:\n` +
        `  apt-get install -y --no-install-recommends jupyter-notebook`,
    );
  }
  try {
    await Deno.stat(CHROMIUM);
  } catch {
    throw new Error(
      `Chromium is not at ${CHROMIUM}. Install it with:\n  apt-get install -y chromium`,
    );
  }
}

function names(paths: string[]): string[] {
  return paths.map((p) => p.slice(p.lastIndexOf("/") + 1, -".ipynb".length));
}

/** The notebooks to execute and render: all, or those `DIGIT_LAB_TEST_NOTEBOOKS` lists. */
async function selectedNotebooks(): Promise<string[]> {
  const all = names(await listNotebooks(NOTEBOOKS));
  const wanted = Deno.env.get("DIGIT_LAB_TEST_NOTEBOOKS")?.split(",").map((n) => n.trim())
    .filter((n) => n !== "");
  if (!wanted?.length) return all;
  const unknown = wanted.filter((n) => !all.includes(n));
  if (unknown.length) {
    throw new Error(`DIGIT_LAB_TEST_NOTEBOOKS names no notebook: ${unknown.join(", ")}`);
  }
  return all.filter((n) => wanted.includes(n));
}

function count(
  nb: Notebook,
  predicate: (o: ReturnType<typeof allOutputs>[number]) => boolean,
): number {
  return allOutputs(nb).filter(predicate).length;
}

const hasMime = (mime: string) => (o: ReturnType<typeof allOutputs>[number]) =>
  o.data?.[mime] !== undefined;
const htmlHas = (needle: string) => (o: ReturnType<typeof allOutputs>[number]) =>
  textOf(o, "text/html").includes(needle);

/** The runner's last line of output. */
interface RunReport {
  ok: boolean;
  seconds: number;
  cells: { index: number; seconds: number; error: string | null; updates: number }[];
}

function parseReport(stdout: string): RunReport | undefined {
  try {
    return JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as RunReport;
  } catch {
    return undefined;
  }
}

/** Per-notebook checks of the executed copy, beyond "no errors". */
const EXPECTATIONS: Record<string, (nb: Notebook, updates: number) => Promise<void> | void> = {
  "01_load_data": (nb) => {
    assert(count(nb, hasMime("image/png")) >= 1, "01: no PNG grid of sample digits");
    assert(count(nb, htmlHas("digit-lab-table")) >= 1, "01: no table of counts per class");
  },
  "02_preprocess": (nb) => {
    assertEquals(count(nb, hasMime("image/png")), 2, "02: expected two augmentation grids");
    assert(
      count(nb, htmlHas("digit-lab-table")) >= 3,
      "02: expected the pixel, one-hot, split tables",
    );
  },
  "03_model": (nb) => {
    const text = allOutputs(nb).map((o) => textOf(o)).join("\n");
    assert(text.includes("34,826"), "03: the summary does not show the 34,826 parameters");
    assertEquals(
      count(nb, htmlHas("digit-lab-prediction")),
      1,
      "03: no prediction of the untrained model",
    );
  },
  "04_train": (nb, updates) => {
    assertEquals(count(nb, htmlHas("digit-lab-live")), 1, "04: the live view must be one output");
    assert(updates >= 1, `04: the live view was never updated in place (${updates} updates)`);
    const live = allOutputs(nb).find(htmlHas("digit-lab-live"));
    assert(
      live && textOf(live).includes(": done,"),
      "04: the live view does not say training is done",
    );
    assert(
      live !== undefined &&
        textOf(live, "image/svg+xml").includes('class="progress" data-progress="1.0000"'),
      "04: the live view's progress bar is not full at the end",
    );
    const plots = allOutputs(nb).filter(hasMime(PLOTLY_MIME));
    assertEquals(plots.length, 1, "04: expected one plotly figure (the training curves)");
    const figure = plots[0].data![PLOTLY_MIME] as { data: unknown[] };
    assertEquals(figure.data.length, 4, "04: the curves figure should have 4 traces");
  },
  "05_evaluate": (nb) => {
    const text = allOutputs(nb).map((o) => textOf(o)).join("\n");
    assert(text.includes("Loaded the model saved in"), "05: did not load the model 04 saved");
    assertEquals(
      count(nb, hasMime(PLOTLY_MIME)),
      2,
      "05: expected the confusion and per-class figures",
    );
    assert(count(nb, hasMime("image/png")) >= 1, "05: no gallery of mistakes");
  },
  "06_predict": async (nb) => {
    const text = allOutputs(nb).map((o) => textOf(o)).join("\n");
    assert(text.includes("Loaded the model saved in"), "06: did not load the model 04 saved");
    const single = await exampleImages({ kind: "single" });
    const multi = await exampleImages({ kind: "multi" });
    assert(single.length + multi.length > 0, "06: data/examples/ has no example images");
    assertEquals(
      count(nb, htmlHas("digit-lab-prediction")),
      single.length,
      "06: one prediction per image",
    );
    assertEquals(
      count(nb, htmlHas("digit-lab-sequence")),
      multi.length,
      "06: one reading per number",
    );
    for (const e of single) {
      assert(text.includes(`${e.name}: predicted `), `06: no prediction of ${e.name}`);
    }
    for (const e of multi) assert(text.includes(`${e.name}: read `), `06: no reading of ${e.name}`);
  },
  "07_feedback": (nb) => {
    const text = allOutputs(nb).map((o) => textOf(o)).join("\n");
    assert(text.includes("corrections recorded in"), "07: no corrections recorded");
    assert(text.includes("held-out corrections"), "07: no before/after table");
    assertEquals(count(nb, hasMime("image/png")), 2, "07: corrections and changed-readings grids");
  },
};

Deno.test("committed notebooks have no outputs, no machine paths and are under 1 MB", async () => {
  const paths = await listNotebooks(NOTEBOOKS);
  assertEquals(names(paths), Object.keys(EXPECTATIONS));
  const problems: string[] = [];
  for (const path of paths) {
    problems.push(...notebookProblems(await Deno.readTextFile(path), path.slice(ROOT.length + 1)));
  }
  assertEquals(problems, []);
});

Deno.test("notebooks run headlessly through the Deno kernel in quick mode", async (t) => {
  await requireKernelTools();
  await Deno.mkdir(EXECUTED, { recursive: true });
  const scratch = await Deno.makeTempDir({ prefix: "digit-lab-notebooks-" });
  executed.trustDb = join(scratch, "trust.db");
  executed.names = [];
  const env = Deno.env.toObject();
  delete env.DIGIT_LAB_DATA;
  delete env.DIGIT_LAB_DATASET;
  delete env.DIGIT_LAB_DATA_ROOT;
  Object.assign(env, {
    NO_COLOR: "1",
    DIGIT_LAB_QUICK: "1",
    DIGIT_LAB_NOTEBOOK_MODEL: join(scratch, "model"),
  });
  for (const name of await selectedNotebooks()) {
    await t.step(name, async () => {
      const out = join(EXECUTED, `${name}.ipynb`);
      const result = await run(PYTHON, [
        RUNNER,
        join(NOTEBOOKS, `${name}.ipynb`),
        out,
        "--timeout",
        "300",
        "--trust-db",
        executed.trustDb!,
      ], { env, clearEnv: true });
      const report = parseReport(result.stdout);
      if (!report) {
        throw new Error(`runner gave no report (exit ${result.code}):\n${result.stderr}`);
      }
      console.log(`${name}: ${report.seconds.toFixed(1)} s`);
      const nb = await readNotebook(out);
      const errors = allOutputs(nb).filter((o) => o.output_type === "error");
      assertEquals(
        errors.map((e) => `cell ${e.cell}: ${e.ename}: ${e.evalue}`),
        [],
        `errors in ${name}`,
      );
      assert(report.ok, `${name} failed: ${JSON.stringify(report.cells.filter((c) => c.error))}`);
      const unrun = nb.cells.filter((c) => c.cell_type === "code" && c.execution_count == null);
      assertEquals(unrun.length, 0, `${name}: code cells left unrun`);
      for (const o of allOutputs(nb)) {
        const size = JSON.stringify(o).length;
        assert(size < MAX_OUTPUT_BYTES, `${name} cell ${o.cell}: an output of ${size} bytes`);
        assert(o.name !== "stderr", `${name} cell ${o.cell} wrote to stderr: ${textOf(o)}`);
      }
      const updates = report.cells.reduce((sum, c) => sum + c.updates, 0);
      await EXPECTATIONS[name]?.(nb, updates);
      executed.names.push(name);
    });
  }
  await Deno.remove(join(scratch, "model"), { recursive: true }).catch(() => {});
});

Deno.test("notebook code cells type-check", async () => {
  const files: string[] = [];
  try {
    for (const path of await listNotebooks(NOTEBOOKS)) {
      const name = path.slice(path.lastIndexOf("/") + 1);
      // Next to the notebooks, so "../lib/..." resolves as it does in the kernel.
      const file = join(NOTEBOOKS, `.typecheck-${crypto.randomUUID().slice(0, 8)}-${name}.ts`);
      await Deno.writeTextFile(file, codeAsModule(await readNotebook(path), name));
      files.push(file);
    }
    const result = await run(Deno.execPath(), ["check", "--quiet", ...files], {
      env: { NO_COLOR: "1" },
    });
    assertEquals(result.code, 0, `deno check failed:\n${result.stderr}${result.stdout}`);
  } finally {
    for (const f of files) await Deno.remove(f).catch(() => {});
  }
});

/** What the browser test reads from a trusted notebook page. */
interface PageState {
  plots: number;
  drawn: number;
  svgs: number;
  images: number[];
  height: number;
  notes: string[];
}

/** Browser-side expression giving the {@linkcode PageState} (a string: no DOM types here). */
const PAGE_STATE = `(() => {
  const plots = [...document.querySelectorAll(".digit-lab-plot")];
  return {
    plots: plots.length,
    drawn: plots.filter((p) => p.classList.contains("js-plotly-plot")).length,
    svgs: document.querySelectorAll(".digit-lab-plot .main-svg").length,
    images: [...document.querySelectorAll(".output_area img")].map((i) => i.naturalWidth),
    height: document.querySelector("#notebook-container")?.scrollHeight ?? 900,
    notes: [...document.querySelectorAll(".digit-lab-plot-note")].map((n) => n.textContent || ""),
  };
})()`;

/** One rich output on an untrusted page: its class and its pictures' sizes. */
interface PictureOutput {
  kind: string;
  pictures: { natural: number; width: number; height: number }[];
  text: string;
}

/** What the browser test reads from an untrusted notebook page. */
interface UntrustedState {
  trust: string;
  outputs: PictureOutput[];
  inlineSvgs: number;
  scripts: number;
  height: number;
  text: string;
}

const UNTRUSTED_STATE = `(() => {
  const kinds = ${JSON.stringify(PICTURE_CLASSES)};
  const outputs = [...document.querySelectorAll(kinds.map((k) => "." + k).join(","))].map((el) => ({
    kind: kinds.find((k) => el.classList.contains(k)),
    pictures: [...el.querySelectorAll("img")].map((img) => {
      const box = img.getBoundingClientRect();
      return { natural: img.naturalWidth, width: box.width, height: box.height };
    }),
    text: el.textContent || "",
  }));
  return {
    trust: document.querySelector("#notification_trusted")?.textContent ?? "",
    outputs,
    inlineSvgs: document.querySelectorAll(".output_area svg").length,
    scripts: document.querySelectorAll(".output_area script").length,
    height: document.querySelector("#notebook-container")?.scrollHeight ?? 900,
    text: document.querySelector("#notebook-container")?.textContent ?? "",
  };
})()`;

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function waitForServer(url: string, child: Deno.ChildProcess, log: () => Promise<string>) {
  const deadline = Date.now() + 60_000;
  let exited = false;
  child.status.then(() => exited = true);
  while (Date.now() < deadline) {
    if (exited) throw new Error(`jupyter notebook exited early:\n${await log()}`);
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`jupyter notebook did not answer within 60 s:\n${await log()}`);
}

/**
 * An untrusted copy of an executed notebook: the same cells and outputs with
 * a metadata mark, so that its signature is in no trust database.
 */
async function writeUntrustedCopy(name: string): Promise<void> {
  const nb = JSON.parse(await Deno.readTextFile(join(EXECUTED, `${name}.ipynb`)));
  nb.metadata = { ...nb.metadata, digit_lab_test: "an untrusted copy" };
  delete nb.metadata.signature;
  await Deno.mkdir(UNTRUSTED, { recursive: true });
  await Deno.writeTextFile(join(UNTRUSTED, `${name}.ipynb`), JSON.stringify(nb, null, 1));
}

/** How many outputs of each picture class the notebook holds, and their `<img>` tags. */
function expectedPictures(nb: Notebook): { kinds: Record<string, number>; images: number } {
  const kinds: Record<string, number> = {};
  let images = 0;
  for (const o of allOutputs(nb)) {
    const html = textOf(o, "text/html");
    const kind = PICTURE_CLASSES.find((k) => html.includes(`class="${k}`));
    if (kind) kinds[kind] = (kinds[kind] ?? 0) + 1;
    images += html.match(/<img /g)?.length ?? 0;
  }
  return { kinds, images };
}

Deno.test({
  name: "executed notebooks render in a browser, trusted and untrusted: every chart draws",
  // playwright keeps internal timers and pipes alive between its calls.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    assert(
      executed.names.length > 0 && executed.trustDb,
      "no executed notebooks: the headless execution test must run (and pass) first",
    );
    await requireBrowserTools();
    await Deno.mkdir(SCREENSHOTS, { recursive: true });
    for (const name of executed.names) await writeUntrustedCopy(name);
    const port = freePort();
    const token = crypto.randomUUID().replaceAll("-", "");
    const base = `http://127.0.0.1:${port}`;
    const logPath = `${executed.trustDb}.server.log`;
    const logFile = await Deno.open(logPath, { write: true, create: true, truncate: true });
    const server = new Deno.Command("jupyter", {
      args: [
        "notebook",
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        `--port=${port}`,
        `--NotebookApp.token=${token}`,
        `--notebook-dir=${ROOT}`,
        "--ContentsManager.allow_hidden=True",
        `--NotebookNotary.db_file=${executed.trustDb}`,
        `--NotebookNotary.secret_file=${executed.trustDb}.secret`,
      ],
      env: { NO_COLOR: "1" },
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const logging = server.stderr.pipeTo(logFile.writable);
    const log = () => Deno.readTextFile(logPath).then((t) => t.slice(-4000));
    const browser = { close: () => Promise.resolve() };
    try {
      await waitForServer(`${base}/api/status?token=${token}`, server, log);
      const chrome = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
        ],
      });
      browser.close = () => chrome.close();
      const page = await chrome.newPage({ viewport: { width: 1200, height: 900 } });
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(e.message));
      const open = async (path: string) => {
        pageErrors.length = 0;
        await page.goto(`${base}/notebooks/${path}?token=${token}`);
        await page.waitForSelector("#notebook-container .output_area", { timeout: 30_000 });
      };
      const imagesLoaded = () =>
        page.waitForFunction(
          `[...document.querySelectorAll(".output_area img")].every((i) => i.complete)`,
          undefined,
          { timeout: 30_000 },
        ).catch(() => {});
      const screenshot = async (file: string, height: number) => {
        await page.setViewportSize({ width: 1200, height: Math.min(height + 160, 16_000) });
        await page.screenshot({ path: join(SCREENSHOTS, file) });
        await page.setViewportSize({ width: 1200, height: 900 });
      };
      for (const name of executed.names) {
        const nb = await readNotebook(join(EXECUTED, `${name}.ipynb`));
        const plots = count(nb, hasMime(PLOTLY_MIME));
        const { kinds, images } = expectedPictures(nb);

        // Trusted (signed when executed): plotly.js loads and draws interactive charts.
        await open(`notebooks/.executed/${name}.ipynb`);
        await page.waitForFunction(
          `document.querySelectorAll(".digit-lab-plot .main-svg").length >= ${plots}`,
          undefined,
          { timeout: 60_000 },
        ).catch(() => {});
        await imagesLoaded();
        const seen = await page.evaluate<PageState>(PAGE_STATE);
        await screenshot(`${name}.png`, seen.height);
        assertEquals(seen.plots, plots, `${name}: plotly outputs on the page`);
        assertEquals(seen.drawn, plots, `${name}: plotly charts drawn (${seen.notes.join("; ")})`);
        assert(seen.svgs >= plots, `${name}: ${seen.svgs} .main-svg for ${plots} charts`);
        // Each plotly chart replaced its static picture; every other <img> loaded.
        assertEquals(seen.images.length, images - plots, `${name}: images on the page`);
        assertEquals(
          seen.images.filter((w) => w === 0).length,
          0,
          `${name}: images that did not load`,
        );
        assertEquals(pageErrors, [], `${name}: errors in the page`);

        // Untrusted: sanitised HTML only; every output still shows its pictures.
        await open(`notebooks/.executed/untrusted/${name}.ipynb`);
        await imagesLoaded();
        const bare = await page.evaluate<UntrustedState>(UNTRUSTED_STATE);
        await screenshot(`${name}.untrusted.png`, bare.height);
        if (name === "04_train") {
          await page.locator(".cell:has(.digit-lab-live)").screenshot({
            path: join(SCREENSHOTS, "readme_notebook.png"),
          });
        }
        assertEquals(bare.trust.trim(), "Not Trusted", `${name}: the copy must be untrusted`);
        assertEquals([bare.scripts, bare.inlineSvgs], [0, 0], `${name}: sanitised outputs`);
        const onPage: Record<string, number> = {};
        for (const o of bare.outputs) onPage[o.kind] = (onPage[o.kind] ?? 0) + 1;
        assertEquals(onPage, kinds, `${name}: rich outputs on the untrusted page`);
        assertEquals(
          bare.outputs.reduce((n, o) => n + o.pictures.length, 0),
          images,
          `${name}: <img> elements kept by the sanitiser`,
        );
        for (const [i, o] of bare.outputs.entries()) {
          assert(o.pictures.length > 0, `${name}: ${o.kind} output ${i} shows no picture`);
          const blank = o.pictures.filter((p) => !(p.natural > 0 && p.width > 0 && p.height > 0));
          assertEquals(blank, [], `${name}: ${o.kind} output ${i}: pictures that did not draw`);
          if (o.kind === "digit-lab-live") {
            assert(o.text.includes(": done,"), `${name}: the live view ends "done": ${o.text}`);
          }
        }
        for (const bad of ["must be trusted", "Loading the figure"]) {
          assert(!bare.text.includes(bad), `${name}: the untrusted page says "${bad}"`);
        }
        assertEquals(pageErrors, [], `${name}: errors in the untrusted page`);
      }
    } finally {
      await browser.close();
      await fetch(`${base}/api/shutdown?token=${token}`, { method: "POST" })
        .then((r) => r.body?.cancel())
        .catch(() => {});
      const stopped = await Promise.race([
        server.status.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 15_000)),
      ]);
      if (!stopped) {
        server.kill("SIGTERM");
        await server.status;
      }
      await logging.catch(() => {});
    }
  },
});
