import { assert, assertEquals, assertMatch } from "@std/assert";
import { launchChromium } from "../_helpers/browser.ts";
import { readPage } from "../../lib/web/page.ts";
import { startServer } from "../../lib/web/server.ts";
import { inkWidth, widthClassifier } from "./_stand_in.ts";
import { draw, reading, until } from "./_page.ts";

const SCREENSHOT = new URL("../screenshots/serve.png", import.meta.url).pathname;

Deno.test("page: is one self-contained file that loads nothing from elsewhere", async () => {
  const html = await readPage();
  assertEquals(html.match(/\b(?:src|href)="(?!data:)[^"]*"/g), null);
  assertEquals(html.match(/https?:\/\//g), null);
  assertEquals(html.match(/<canvas id="pad"/g)?.length, 1);
});

Deno.test("page: drawing in a real browser shows the model's live reading", async () => {
  const model = widthClassifier();
  const stop = new AbortController();
  const server = startServer({ classify: model.classify, port: 0, signal: stop.signal });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 720 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    const requests: string[] = [];
    page.on("request", (r) => requests.push(`${r.method()} ${r.url()}`));
    await page.goto(server.url);
    assertEquals(await page.locator(".bar").count(), 10);
    assertEquals(await page.textContent("#confidence"), "No digit found");

    // a 7: top bar, then the diagonal
    await draw(page, [[0.28, 0.25], [0.72, 0.25], [0.45, 0.8]]);
    assertEquals(await reading(page), "7");
    assertEquals(await page.textContent("#confidence"), "83% confident");
    // this server has no store: no correction buttons, and the page says so
    assert(!(await page.locator("#correct").isVisible()));
    assertEquals(
      await page.textContent("#corrections-word"),
      "corrections: this server does not record them",
    );
    assert(inkWidth(model.inputs.at(-1)!) >= 9, "the model saw wide ink");
    const heights = await page.$$eval(
      ".bar",
      (bars) => bars.map((b) => parseFloat(b.style.height)),
    );
    assertEquals(heights[7], 83);
    assertEquals(heights.length, 10);
    assertEquals(await page.locator(".bar.top").count(), 1);
    const input = page.locator("#input-image");
    await until(page, `document.getElementById("input-image").complete`);
    assertEquals(await page.evaluate(`document.getElementById("input-image").naturalWidth`), 28);
    assert(await input.isVisible());
    await page.screenshot({ path: SCREENSHOT });

    // Clear resets everything; then a 1, a narrow vertical stroke
    await page.click("#clear");
    assertEquals(await page.textContent("#digit"), "–");
    assertEquals(await page.textContent("#confidence"), "No digit found");
    assert(!(await input.isVisible()));
    const cleared = await page.$$eval(
      ".bar",
      (bars) => bars.map((b) => parseFloat(b.style.height)),
    );
    assertEquals(cleared, new Array(10).fill(0));
    await draw(page, [[0.5, 0.2], [0.5, 0.82]]);
    assertEquals(await reading(page), "1");
    assert(inkWidth(model.inputs.at(-1)!) < 9, "the model saw narrow ink");

    // number mode: a 1 and a 7 side by side
    await page.check("#multi");
    assertEquals(await page.evaluate(`document.getElementById("pad").width`), 720);
    await draw(page, [[0.2, 0.2], [0.2, 0.8]]);
    await draw(page, [[0.5, 0.25], [0.8, 0.25], [0.62, 0.8]]);
    assertEquals(await reading(page), "17");
    const digits = page.locator(".number-input img");
    assertEquals(await digits.count(), 2);
    await until(
      page,
      `[...document.querySelectorAll(".number-input img")].every((i) => i.complete)`,
    );
    const widths = await page.evaluate(
      `[...document.querySelectorAll(".number-input img")].map((i) => i.naturalWidth)`,
    );
    assertEquals(widths, [28, 28]);
    await page.screenshot({ path: "/tmp/serve_number.png", fullPage: true });

    assertEquals(errors, []);
    const posts = requests.filter((r) => r.startsWith("POST"));
    assert(posts.length >= 3, requests.join("\n"));
    assert(posts.some((r) => r.endsWith("/api/predict?multi=1")));
    for (const r of requests) assertMatch(r, new RegExp(`^(GET|POST) ${server.url}`));
  } finally {
    await browser.close();
    stop.abort();
    await server.finished;
  }
});
