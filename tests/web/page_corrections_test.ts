import { assert, assertEquals, assertMatch } from "@std/assert";
import { launchChromium } from "../_helpers/browser.ts";
import { decodeImage } from "../../lib/image/decode.ts";
import type { Classify } from "../../lib/image/raster.ts";
import { CorrectionStore } from "../../lib/feedback/store.ts";
import type { ModelInfo } from "../../lib/web/model_info.ts";
import { startServer } from "../../lib/web/server.ts";
import { draw, reading, until } from "./_page.ts";
import { inkWidth, SEVEN } from "./_stand_in.ts";

const SCREENSHOT = new URL("../screenshots/draw_page_correction.png", import.meta.url).pathname;

const MODEL: ModelInfo = {
  dir: "data/models/test",
  id: "5e".repeat(32),
  finetune: { corrections: 12, at: "2026-12-03T17:45:00.000Z" },
  summary: "data/models/test (5e5e5e5e5e5e), fine-tuned on 12 corrections at 2026-12-03 17:45 UTC",
};

/** Narrow ink reads as an unsure 1 (45 %, then 7 at 30 %); wide ink as a sure 7. */
const UNSURE_ONE = [0.02, 0.45, 0.03, 0.02, 0.01, 0.01, 0.01, 0.3, 0.1, 0.05];
const classify: Classify = (pixels) => (inkWidth(pixels) < 9 ? UNSURE_ONE : SEVEN);

Deno.test("page: 'wrong? it is a 3' records the correction; the count goes up", async () => {
  const dir = await Deno.makeTempDir();
  const store = CorrectionStore.open({ dir });
  const stop = new AbortController();
  const server = startServer({
    classify,
    port: 0,
    signal: stop.signal,
    model: MODEL,
    corrections: store,
  });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 860 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.goto(server.url);
    await until(page, `document.getElementById("result").dataset.corrections === "0"`);
    assertEquals(await page.textContent("#model-summary"), MODEL.summary);
    assertEquals(await page.textContent("#corrections-word"), "corrections recorded");
    assert(!(await page.locator("#correct").isVisible()), "no buttons before a reading");

    // a 7, which the user says is a 3
    await draw(page, [[0.28, 0.25], [0.72, 0.25], [0.45, 0.8]]);
    assertEquals(await reading(page), "7");
    assert(await page.locator("#correct").isVisible());
    assertEquals(await page.textContent("#correct-prompt"), "Read as 7: wrong? It is a");
    assertEquals(await page.locator("#correct-buttons button").count(), 10);
    await page.click('#correct-buttons button[data-label="3"]');
    await page.locator("#correct-note.done").waitFor();
    assertEquals(await page.textContent("#correct-note"), "recorded correction #1: 7 → 3");
    assertEquals(await page.textContent("#corrections-count"), "1");
    assertEquals(await page.textContent("#corrections-word"), "correction recorded");
    // one correction per reading: the buttons are spent, the chosen one marked
    assertEquals(await page.locator("#correct-buttons button:disabled").count(), 10);
    assertEquals(await page.textContent("#correct-buttons button.chosen"), "3");
    await page.screenshot({ path: SCREENSHOT });

    const [row] = store.list({ includeImages: true });
    assertEquals([store.count(), row.label, row.reading, row.origin], [1, 3, "7", "web"]);
    assertEquals([row.fileName, row.modelId, row.confidence], ["drawn.png", MODEL.id, 0.83]);
    const drawn = await decodeImage(row.imageBytes);
    assertEquals([drawn.width, drawn.height], [400, 400]); // the canvas, as drawn
    assert(inkWidth(row.pixels) >= 9, "the stored 28x28 is the wide 7 the model saw");

    // an unsure reading shows its alternatives, and can be corrected as well
    await page.click("#clear");
    assert(!(await page.locator("#correct").isVisible()));
    await draw(page, [[0.5, 0.2], [0.5, 0.82]]);
    assertEquals(await reading(page), "1");
    assertEquals(await page.getAttribute("#result", "data-state"), "unsure");
    assertEquals(await page.textContent("#confidence"), "Unsure: 45% confident");
    assertEquals(await page.textContent("#details"), "maybe 7 (30%) or 8 (10%)");
    assertEquals(await page.locator("#correct-buttons button:disabled").count(), 0);

    // two strokes apart, read as one digit: the page says it holds several, and how to read them
    await page.click("#clear");
    await draw(page, [[0.25, 0.2], [0.25, 0.8]]);
    await draw(page, [[0.75, 0.2], [0.75, 0.8]]);
    await until(page, `document.getElementById("result").dataset.state === "several"`);
    assertEquals(await page.textContent("#confidence"), "Several digits? 11");
    assertEquals(
      await page.textContent("#details"),
      '2 digits found side by side: switch on "Number" to read the number.',
    );

    // a number: 1 then 7; the least sure digit (the 1) is offered first, the user picks the 7
    await page.check("#multi");
    await draw(page, [[0.2, 0.2], [0.2, 0.8]]);
    await draw(page, [[0.5, 0.25], [0.8, 0.25], [0.62, 0.8]]);
    assertEquals(await reading(page), "17");
    assertEquals(
      await page.textContent("#correct-prompt"),
      "Digit 1 of 2, read as 1: wrong? It is a",
    );
    await page.click('.number-input[data-index="1"]');
    assertEquals(
      await page.textContent("#correct-prompt"),
      "Digit 2 of 2, read as 7: wrong? It is a",
    );
    await page.click('#correct-buttons button[data-label="9"]');
    await page.locator("#correct-note.done").waitFor();
    assertEquals(
      await page.textContent("#correct-note"),
      "recorded correction #2: 7 → 9 (digit 2 of 17)",
    );
    assertEquals(await page.textContent("#corrections-count"), "2");
    // the other digit can still be corrected
    await page.click('.number-input[data-index="0"]');
    assertEquals(await page.locator("#correct-buttons button:disabled").count(), 0);
    await page.screenshot({ path: "/tmp/draw_page_correction_number.png", fullPage: true });

    assertEquals(store.count(), 2);
    assertEquals(store.get(2)!.label, 9);
    assertEquals(errors, []);
  } finally {
    await browser.close();
    stop.abort();
    await server.finished;
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("page: a correction the server refuses says why, and the buttons stay", async () => {
  const dir = await Deno.makeTempDir();
  // a store too small for any drawing: the server answers 503 "full"
  const store = CorrectionStore.open({ dir, maxTotalBytes: 64 });
  const stop = new AbortController();
  const server = startServer({
    classify,
    port: 0,
    signal: stop.signal,
    model: MODEL,
    corrections: store,
  });
  const browser = await launchChromium();
  const error = console.error;
  console.error = () => {}; // the server's one line for the operator
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 860 } });
    await page.goto(server.url);
    await until(page, `document.getElementById("result").dataset.corrections === "0"`);
    await draw(page, [[0.28, 0.25], [0.72, 0.25], [0.45, 0.8]]);
    assertEquals(await reading(page), "7");
    await page.click('#correct-buttons button[data-label="1"]');
    await page.locator("#correct-note.failed").waitFor();
    assertMatch((await page.textContent("#correct-note"))!, /^Not recorded: .*full/);
    assertEquals(await page.locator("#correct-buttons button:disabled").count(), 0);
    assertEquals(await page.textContent("#corrections-count"), "0");
    assertEquals(store.count(), 0);
  } finally {
    console.error = error;
    await browser.close();
    stop.abort();
    await server.finished;
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
