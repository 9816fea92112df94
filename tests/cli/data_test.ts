import { assertEquals } from "@std/assert";
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

Deno.test("data without a known dataset name exits 2 and says why", async () => {
  const missing = capture();
  assertEquals(await main([], missing.io), 2);
  assertEquals(missing.err[0].startsWith("give one dataset name"), true);
  const unknown = capture();
  assertEquals(await main(["cifar10"], unknown.io), 2);
  assertEquals(unknown.err[0].startsWith('unknown dataset "cifar10"'), true);
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
