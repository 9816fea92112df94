/**
 * Launching Debian's headless Chromium for browser checks. A missing browser
 * fails the test with how to install it: browser checks are never skipped.
 *
 * @module
 */

import { type Browser, chromium } from "playwright-core";

/** Where Debian installs Chromium. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * Starts headless Chromium with the flags our closed-network machines need.
 *
 * @throws {Error} naming the path and the install command when Chromium is absent.
 *
 * @example
 * ```ts ignore
 * import { launchChromium } from "./browser.ts";
 * const browser = await launchChromium();
 * await browser.close();
 * ```
 */
export async function launchChromium(): Promise<Browser> {
  try {
    await Deno.stat(CHROMIUM_PATH);
  } catch {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install it with ` +
        "`apt-get install -y --no-install-recommends chromium` (.ci/run does this)",
    );
  }
  return await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}
