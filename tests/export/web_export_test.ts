import * as tf from "@tensorflow/tfjs";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import type { Page } from "playwright-core";
import { exportModel } from "../../lib/export/export_model.ts";
import { packageDist, TFJS_WEB_FILES, webFiles } from "../../lib/export/web_export.ts";
import { WEB_PREPROCESS_JS } from "../../lib/export/web_preprocess_js.ts";
import { loadModel } from "../../lib/model/save_load.ts";
import { setupBackend } from "../../lib/kernels/backend.ts";
import { dataPath } from "../../lib/core/paths.ts";
import { DigitLabError, InvalidArgumentError } from "../../lib/core/errors.ts";
import { decodeImage } from "../../lib/image/decode.ts";
import { normalizeImage } from "../../lib/image/normalize.ts";
import { digitStrokes, drawStrokes } from "../../lib/image/synth/pen_strokes.ts";
import { launchChromium } from "../_helpers/browser.ts";

const SHIPPED = dataPath("models", "default");
const SCREENSHOT = new URL("../screenshots/web_export.png", import.meta.url).pathname;

/** The content types of the files a web export holds. */
const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  json: "application/json",
  wasm: "application/wasm",
  bin: "application/octet-stream",
};

/** A static file server for `dir` on 127.0.0.1: GET of a file in it, nothing else. */
function serveFolder(dir: string): { url: string; close: () => Promise<void> } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const name = new URL(req.url).pathname.slice(1) || "index.html";
    if (req.method !== "GET" || !/^[\w.-]+$/.test(name)) {
      return new Response("not found", { status: 404 });
    }
    try {
      const body = await Deno.readFile(`${dir}/${name}`);
      const type = TYPES[name.slice(name.lastIndexOf(".") + 1)] ?? "application/octet-stream";
      return new Response(body, { headers: { "content-type": type } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  return { url: `http://127.0.0.1:${server.addr.port}/`, close: () => server.shutdown() };
}

/** Draws a digit's stroke paths (glyph space [0, 1]) with the mouse, in the canvas's middle half. */
async function drawDigit(page: Page, digit: number): Promise<void> {
  const box = (await page.locator("#pad").boundingBox())!;
  const at = ([x, y]: [number, number]) =>
    [box.x + (0.25 + 0.5 * x) * box.width, box.y + (0.22 + 0.56 * y) * box.height] as const;
  for (const stroke of digitStrokes(digit)) {
    await page.mouse.move(...at(stroke[0]));
    await page.mouse.down();
    for (const p of stroke.slice(1)) await page.mouse.move(...at(p), { steps: 3 });
    await page.mouse.up();
  }
}

/** Waits until the page has read the drawing and returns what it shows. */
async function reading(page: Page): Promise<{ digit: string; probabilities: number[] }> {
  await page.locator('#result[aria-busy="false"]:not([data-predictions="0"])').waitFor();
  const digit = (await page.textContent("#digit"))!;
  const probabilities = await page.$$eval(".bar", (bars) => bars.map((b) => Number(b.dataset.p)));
  return { digit, probabilities };
}

/** The shipped model exported as a web page into a temporary folder. */
async function withExport(fn: (out: string) => Promise<void>): Promise<void> {
  await setupBackend();
  const root = await Deno.makeTempDir();
  try {
    const out = `${root}/site`;
    await exportModel({ model: SHIPPED, format: "web", out });
    await fn(out);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("web export: a folder of local files only, the model loadable, the page self-contained", async () => {
  await withExport(async (out) => {
    const names: string[] = [];
    for await (const e of Deno.readDir(out)) names.push(e.name);
    assertEquals(names.sort(), [
      "app.js",
      "index.html",
      "model.json",
      "preprocess.js",
      "tf-backend-wasm.es2017.min.js",
      "tf.es2017.min.js",
      "tfjs-backend-wasm-simd.wasm",
      "tfjs-backend-wasm.wasm",
      "weights.bin",
    ]);
    const html = await Deno.readTextFile(`${out}/index.html`);
    // Every src/href is a file of the folder (or the empty data: icon); nothing names a host.
    const refs = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    assertEquals(refs, ["data:,", "tf.es2017.min.js", "tf-backend-wasm.es2017.min.js", "app.js"]);
    assertEquals(html.match(/https?:\/\//g), null);
    assertMatch(html, /Content-Security-Policy"\s+content="default-src 'self'/);
    const shipped = JSON.parse(await Deno.readTextFile(`${SHIPPED}/metrics.json`));
    const percent = (100 * shipped.test_accuracy).toFixed(2);
    assertStringIncludes(
      html,
      `Model: strong CNN, 198,762 parameters, ${percent}% on its test split`,
    );
    assertEquals(
      await Deno.readFile(`${out}/weights.bin`),
      await Deno.readFile(`${SHIPPED}/weights.bin`),
    );
    const { model, metrics } = await loadModel(out); // the recorded SHA-256 checks out
    assertEquals([model.countParams(), metrics], [198762, undefined]);
    model.dispose();
    for (const { pkg, file } of TFJS_WEB_FILES) {
      assertEquals(
        await Deno.readFile(`${out}/${file}`),
        await Deno.readFile(`${packageDist(pkg)}/${file}`),
      );
    }
    const tfjs = await Deno.readTextFile(`${packageDist("@tensorflow/tfjs")}/../package.json`);
    assertEquals(JSON.parse(tfjs).version, "4.22.0");
  });
});

Deno.test("web export: an existing output is refused, untouched; an unresolvable package names itself", async () => {
  await setupBackend();
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/site`);
    await Deno.writeTextFile(`${root}/site/mine.txt`, "mine");
    await assertRejects(
      () => exportModel({ model: SHIPPED, format: "web", out: `${root}/site` }),
      InvalidArgumentError,
      `the output path ${root}/site already exists`,
    );
    assertEquals(await Deno.readTextFile(`${root}/site/mine.txt`), "mine");
    assertThrows(() => packageDist("no-such-package-here"), DigitLabError, "no-such-package-here");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("web export: building the page's files leaves no tensors behind", async () => {
  await setupBackend();
  const { model, metrics } = await loadModel(SHIPPED);
  try {
    const before = tf.memory().numTensors;
    const files = await webFiles(model, metrics);
    assertEquals(tf.memory().numTensors, before);
    assertEquals(files.get("weights.bin")!.length, 795048);
  } finally {
    model.dispose();
  }
});

Deno.test("web export: the bundled preprocess.js normalises exactly as lib/image", async () => {
  const url = `data:text/javascript,${encodeURIComponent(WEB_PREPROCESS_JS)}`;
  const bundled = await import(url);
  for (const digit of [0, 3, 7]) {
    // The pen renderer's ink (1 = ink) as a photo-convention page (1 = white).
    const ink = drawStrokes(digitStrokes(digit), {
      width: 160,
      height: 160,
      penWidth: 14,
      frame: { x: 30, y: 30, size: 100 },
    });
    const page = { ...ink, data: ink.data.map((v) => 1 - v) };
    const ours = normalizeImage(page);
    const theirs = bundled.normalizeImage(page);
    assert(ours.inkFound);
    assertEquals(theirs.inkFound, true);
    assertEquals(theirs.pixels, ours.pixels); // to the bit: the same code on the same V8 maths
  }
});

Deno.test("web export: headless Chromium reads drawn digits as the model does in Deno, offline", async () => {
  await withExport(async (out) => {
    const { model } = await loadModel(out);
    const server = serveFolder(out);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 760 } });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      const requests: string[] = [];
      page.on("request", (r) => requests.push(r.url()));
      // Offline: any request that leaves the page's origin fails.
      const blocked: string[] = [];
      await page.route("**/*", (route) => {
        const url = route.request().url();
        if (url.startsWith(server.url) || url.startsWith("data:")) return route.continue();
        blocked.push(url);
        return route.abort("internetdisconnected");
      });
      await page.goto(server.url);
      // The page sets data-ready once the model loaded ("true") or failed ("false").
      await page.locator("body[data-ready]").waitFor({ state: "attached", timeout: 30_000 });
      const status = await page.textContent("#status");
      assertEquals([await page.getAttribute("body", "data-ready"), errors], ["true", []], status!);
      assertMatch((await page.textContent("#backend"))!, /^TensorFlow\.js 4\.22\.0 on wasm$/);

      for (const digit of [7, 1, 3]) {
        await page.click("#clear");
        assertEquals(await page.textContent("#digit"), "–");
        await drawDigit(page, digit);
        const shown = await reading(page);

        // The same drawing through lib/image: the canvas as the PNG the server page uploads.
        const png = await page.evaluate(`document.getElementById("pad").toDataURL("image/png")`);
        const bytes = Uint8Array.from(atob(String(png).split(",")[1]), (c) => c.charCodeAt(0));
        const ours = normalizeImage(await decodeImage(bytes));
        const theirs = await page.evaluate(
          `import(new URL("app.js", location.href).href)
            .then((m) => Array.from(m.canvasInput(document.getElementById("pad")).pixels))`,
        ) as number[];
        // The same code on the same IEEE maths: equal to the bit (the brief allowed 1/255).
        assertEquals(theirs, Array.from(ours.pixels), `digit ${digit}: the 28x28 inputs differ`);

        const p = tf.tidy(() =>
          Array.from((model.predict(tf.tensor4d(ours.pixels, [1, 28, 28, 1])) as tf.Tensor)
            .dataSync())
        );
        const argmax = p.indexOf(Math.max(...p));
        assertEquals(shown.digit, String(argmax), `drew ${digit}; Deno reads ${argmax}`);
        assertEquals(argmax, digit, `the shipped model reads the drawn ${digit}`);
        // Stock TF.js WASM kernels in the page, the project's in Deno: they differed by at
        // most 6e-10 when this was written.
        for (let d = 0; d < 10; d++) {
          assert(
            Math.abs(shown.probabilities[d] - p[d]) < 1e-6,
            `digit ${digit}, p[${d}]: page ${shown.probabilities[d]}, Deno ${p[d]}`,
          );
        }
        if (digit === 3) await page.screenshot({ path: SCREENSHOT });
      }

      await page.click("#clear");
      assertEquals(await page.textContent("#confidence"), "No digit found");
      assertEquals(errors, []);
      assertEquals(blocked, []);
      for (const r of requests) assert(r.startsWith(server.url), `left the origin: ${r}`);
      // Each file once, all from the folder (in whatever order the preload scanner chose);
      // Chromium has WASM SIMD, so the SIMD build.
      assertEquals(requests.map((r) => r.slice(server.url.length)).sort(), [
        "",
        "app.js",
        "model.json",
        "preprocess.js",
        "tf-backend-wasm.es2017.min.js",
        "tf.es2017.min.js",
        "tfjs-backend-wasm-simd.wasm",
        "weights.bin",
      ]);
    } finally {
      await browser.close();
      await server.close();
      model.dispose();
    }
  });
});
