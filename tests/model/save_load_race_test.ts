import { assert, assertEquals } from "@std/assert";
import type { RaceFigures } from "../_helpers/model_race.ts";

// Real processes: one saver in a loop, four loaders (without write permission) in a loop.
// The two-minute run for the closing note is `deno run -A tests/_helpers/model_race.ts --seconds 120`.
Deno.test("loaders racing a saver never crash, never see a partial model; the newest save wins", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "tests/_helpers/model_race.ts", "--seconds", "4", "--loaders", "4"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  const line = new TextDecoder().decode(output.stdout).trim().split("\n").at(-1) ?? "";
  const figures = JSON.parse(line || "null") as RaceFigures | null;
  if (figures === null) throw new Error(`no figures; stderr:\n${stderr}`);
  assertEquals(
    {
      crashes: figures.crashes,
      errors: figures.errors,
      partial: figures.partial,
      backwards: figures.backwards,
    },
    { crashes: 0, errors: 0, partial: 0, backwards: 0 },
    stderr,
  );
  assert(figures.saves > 0 && figures.loads > 0, stderr);
  assertEquals(figures.installed, figures.lastSaved, "the newest save is installed");
  assert(output.success, stderr);
});
