/**
 * Driving the draw page in headless Chromium: drawing strokes with the
 * mouse and waiting for the page, without `eval` (the page's
 * Content-Security-Policy forbids it, rightly).
 *
 * @module
 */

import type { Page } from "playwright-core";

/** Draws a polyline on the canvas; points are fractions of its size. */
export async function draw(page: Page, points: [number, number][]): Promise<void> {
  const box = (await page.locator("#pad").boundingBox())!;
  const at = ([fx, fy]: [number, number]) => [box.x + fx * box.width, box.y + fy * box.height];
  const [x0, y0] = at(points[0]);
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  for (const p of points.slice(1)) {
    const [x, y] = at(p);
    await page.mouse.move(x, y, { steps: 10 });
  }
  await page.mouse.up();
}

/**
 * Polls a page expression until it is truthy. (`page.waitForFunction` would
 * `eval`, which the page's Content-Security-Policy rightly forbids.)
 */
export async function until(page: Page, expression: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the last prediction is in and returns the big reading. */
export async function reading(page: Page): Promise<string> {
  await page.locator('#result[aria-busy="false"]:not([data-predictions="0"])').waitFor();
  return (await page.textContent("#digit"))!;
}
