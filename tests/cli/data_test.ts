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
    assertEquals([...Deno.readDirSync(`${dir}/k`)].length, 0);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
