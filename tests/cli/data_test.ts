import { fromFileUrl } from "@std/path";
import { assertEquals, assertRejects } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { main } from "../../lib/cli/data.ts";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { log: (l: string) => out.push(l), error: (l: string) => err.push(l) } };
}

Deno.test("data --help lists the datasets and exits 0", async () => {
  const { out, io } = capture();
  assertEquals(await main(["--help"], io), 0);
  for (const name of ["mnist", "fashion-mnist", "kmnist"]) {
    assertEquals(out.join("\n").includes(`  ${name} `), true, name);
  }
});

Deno.test("data without one known dataset name is a usage error saying why", async () => {
  const { out, err, io } = capture();
  const missing = await assertRejects(() => main([], io), InvalidArgumentError);
  assertEquals(
    missing.message,
    "give a dataset name: one of mnist, fashion-mnist, kmnist (see --help)",
  );
  const unknown = await assertRejects(() => main(["cifar10"], io), InvalidArgumentError);
  assertEquals(
    unknown.message,
    'unknown dataset "cifar10"; choose one of mnist, fashion-mnist, kmnist',
  );
  await assertRejects(() => main(["mnist", "kmnist"], io), InvalidArgumentError, '"kmnist"');
  await assertRejects(() => main(["mnist", "--dri", "x"], io), InvalidArgumentError, "--dri");
  await assertRejects(() => main(["mnist", "--dir"], io), InvalidArgumentError, "--dir");
  assertEquals([out, err], [[], []]);
});

Deno.test("data prints one failed line per file and exits 1 when downloads fail", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("gone", { status: 404 }),
  );
  const dir = await Deno.makeTempDir();
  try {
    const { out, err, io } = capture();
    const toServer: typeof fetch = () => fetch(`http://127.0.0.1:${server.addr.port}/`);
    assertEquals(await main(["kmnist", "--dir", `${dir}/k`], { ...io, fetch: toServer }), 1);
    assertEquals(out.length, 4);
    assertEquals(
      out.every((l) => l.startsWith(`failed     ${dir}/k/`) && l.includes("HTTP 404")),
      true,
    );
    assertEquals(err, [`error: 4 file(s) of kmnist failed to download into ${dir}/k`]);
    // Nothing left behind, not even the empty directory.
    assertEquals([...Deno.readDirSync(dir)], []);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("data refuses unknown options and bad names before any request", async () => {
  let requests = 0;
  const counting: typeof fetch = () => (requests++, Promise.reject(new Error("no network")));
  const { io } = capture();
  for (
    const args of [
      ["mnist", "--dri", "x"],
      ["mnist", "--force"],
      ["mnist", "-f"],
      ["--dir", "x", "mnist", "extra"],
      ["nist"],
    ]
  ) {
    await assertRejects(() => main(args, { ...io, fetch: counting }), InvalidArgumentError);
  }
  assertEquals(requests, 0);
});

Deno.test("data --dir naming an existing file is one line and exit code 2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/notes.txt`;
    await Deno.writeTextFile(file, "not a directory");
    const { out, io } = capture();
    const e = await assertRejects(() => main(["mnist", "--dir", file], io), InvalidArgumentError);
    assertEquals(e.message.startsWith(`cannot use ${file} as the dataset directory: `), true);
    assertEquals(out, []);
    const script = fromFileUrl(new URL("../../lib/cli/data.ts", import.meta.url));
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-check", "--allow-all", script, "mnist", "--dir", file],
      env: { NO_COLOR: "1" },
    }).output();
    const text = (b: Uint8Array) => new TextDecoder().decode(b);
    assertEquals([run.code, text(run.stdout)], [2, ""]);
    assertEquals(text(run.stderr).trim().split("\n"), [`error: ${e.message}`]);
    assertEquals(await Deno.readTextFile(file), "not a directory");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
