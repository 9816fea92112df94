/**
 * Each command as users start it: `deno task NAME --help` runs the task line
 * of deno.json, with exactly the permissions it grants. Tests that call a
 * command's `main` in-process run with every permission, so they cannot see a
 * module graph that needs one the task does not grant (a native addon such as
 * sharp needs `--allow-ffi`, which `train` does not have).
 */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { fromFileUrl } from "@std/path";

const ROOT = fromFileUrl(new URL("../../", import.meta.url));
/** A task of deno.json, in Deno 2's object form. */
interface Task {
  command: string;
  description: string;
}

const deno = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)) as {
  tasks: Record<string, Task | string>;
};

/** The tasks that run a command of lib/cli/ (they all take --help). */
const COMMANDS = Object.entries(deno.tasks)
  .filter(([, task]) => typeof task === "object" && / lib\/cli\/[a-z_]+\.ts$/.test(task.command))
  .map(([name]) => name);

Deno.test("deno.json has a task for every command in lib/cli/", () => {
  assertEquals(COMMANDS.length >= 10, true, `only ${COMMANDS.join(", ")}`);
});

Deno.test("every task has a one-line description, and `deno task` lists it", async () => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["task"],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(code, 0);
  const listing = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  for (const [name, task] of Object.entries(deno.tasks)) {
    if (typeof task !== "object") throw new Error(`task ${name} has no description`);
    assertMatch(task.description, /^[A-Z][^\n]{10,90}$/, `task ${name}'s description`);
    assertStringIncludes(listing, `- ${name}\n    // ${task.description}\n`);
  }
});

Deno.test("deno task test sets up what the tests need first", () => {
  const test = deno.tasks.test;
  const command = typeof test === "object" ? test.command : test;
  assert(command.startsWith("deno task setup:test && "), command);
});

for (const name of COMMANDS) {
  Deno.test(`deno task ${name} --help starts with the task's own permissions`, async () => {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["task", "--quiet", name, "--help"],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(stdout);
    const err = new TextDecoder().decode(stderr);
    assertEquals(code, 0, `deno task ${name} --help exited ${code}:\n${err.slice(-2000)}`);
    assertMatch(out, /usage:/i);
    assertStringIncludes(out, `deno task ${name}`);
  });
}
