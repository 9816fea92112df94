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
  for (const name of ["mnist", "fashion-mnist", "kmnist", "emnist"]) {
    assertEquals(out.join("\n").includes(`  ${name} `), true, name);
  }
});

Deno.test("data without one known dataset name is a usage error saying why", async () => {
  const { out, err, io } = capture();
  const missing = await assertRejects(() => main([], io), InvalidArgumentError);
  assertEquals(
    missing.message,
    "give a dataset name: one of mnist, fashion-mnist, kmnist, emnist (see --help)",
  );
  const unknown = await assertRejects(() => main(["cifar10"], io), InvalidArgumentError);
  assertEquals(
    unknown.message,
    'unknown dataset "cifar10"; choose one of mnist, fashion-mnist, kmnist, emnist',
  );
  await assertRejects(() => main(["mnist", "kmnist"], io), InvalidArgumentError, '"kmnist"');
  await assertRejects(() => main(["mnist", "--dri", "x"], io), InvalidArgumentError, "--dri");
  await assertRejects(() => main(["mnist", "--dir"], io), InvalidArgumentError, "--dir");
  assertEquals([out, err], [[], []]);
});

Deno.test("data says in one line why downloads failed, leaves nothing, exits 1", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("gone", { status: 404 }),
  );
  const dir = await Deno.makeTempDir();
  try {
    const { out, err, io } = capture();
    const toServer: typeof fetch = () => fetch(`http://127.0.0.1:${server.addr.port}/`);
    assertEquals(await main(["kmnist", "--dir", `${dir}/k`], { ...io, fetch: toServer }), 1);
    assertEquals(out, []);
    assertEquals(err, [
      "error: 4 of 4 files of kmnist failed to download (HTTP 404 Not Found). Nothing was " +
      "written. Rerun `deno task data kmnist` to try again (--verbose: every mirror's error).",
    ]);
    // Nothing left behind, not even the empty directory.
    assertEquals([...Deno.readDirSync(dir)], []);
    // --verbose adds each file's full error, naming every mirror's URL.
    const verbose = capture();
    await main(["kmnist", "--dir", `${dir}/k`, "--verbose"], { ...verbose.io, fetch: toServer });
    assertEquals(verbose.out.length, 4);
    assertEquals(
      verbose.out.every((l) => l.startsWith(`failed     ${dir}/k/`) && l.includes("HTTP 404")),
      true,
    );
    assertEquals(verbose.err.length, 1);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("data offline: one short line saying no mirror could be reached, nothing left", async () => {
  // A port nobody listens on: the real fetch fails as it does offline ("connection refused").
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closed = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/`;
  listener.close();
  const dir = await Deno.makeTempDir();
  try {
    const { out, err, io } = capture();
    const offline: typeof fetch = (_, init) => fetch(closed, init);
    assertEquals(await main(["mnist", "--dir", `${dir}/data/mnist`], { ...io, fetch: offline }), 1);
    assertEquals(out, []);
    assertEquals(err, [
      "error: could not download mnist: no mirror could be reached (connection refused); are " +
      "you offline? Nothing was written. Rerun `deno task data mnist` when connected " +
      "(--verbose: every mirror's error).",
    ]);
    assertEquals([...Deno.readDirSync(dir)], [], "no empty data/mnist/ (nor data/) left");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("data names what was kept when only some files fail", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { err, io } = capture();
    // Every file fails its checksum but one answer is refused: two reasons, both named.
    let calls = 0;
    const flaky: typeof fetch = () =>
      ++calls === 1
        ? Promise.reject(new TypeError("fetch failed", { cause: new Error("a: Network down") }))
        : Promise.resolve(new Response("not the data"));
    assertEquals(await main(["kmnist", "--dir", `${dir}/k`], { ...io, fetch: flaky }), 1);
    assertEquals(err.length, 1);
    assertEquals(
      err[0].startsWith(
        "error: 4 of 4 files of kmnist failed to download (network down; wrong SHA-256).",
      ),
      true,
      err[0],
    );
  } finally {
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

/** A progress writer that is not a terminal: plain lines at 25%, 50% and 75%, and the last. */
function progressLog() {
  let text = "";
  return {
    lines: () => text.split("\n").filter((l) => l !== ""),
    writer: {
      isTerminal: () => false,
      writeSync(bytes: Uint8Array) {
        text += new TextDecoder().decode(bytes);
        return bytes.length;
      },
    },
  };
}

Deno.test("data emnist: a progress bar in MB, a cut download kept and resumed by the rerun", async () => {
  const size = 561753746;
  const requests: (string | null)[] = [];
  // The first answer announces the archive's 562 MB and stops after 3 MB; the rerun asks
  // for the rest, which this stand-in then refuses (404): no 562 MB in a test.
  const chunk = new Uint8Array(1_000_000);
  const cut: typeof fetch = (_, init) => {
    const range = new Headers(init?.headers).get("range");
    requests.push(range);
    if (range !== null) return Promise.resolve(new Response("gone", { status: 404 }));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 3) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    return Promise.resolve(new Response(body, { headers: { "content-length": String(size) } }));
  };
  const dir = await Deno.makeTempDir();
  try {
    const { out, err, io } = capture();
    const progress = progressLog();
    const target = `${dir}/emnist`;
    const args = ["emnist", "--dir", target];
    assertEquals(await main(args, { ...io, fetch: cut, progress: progress.writer }), 1);
    assertEquals(out, []);
    // Not a terminal: one line when the download ends (on a terminal it redraws as bytes come).
    assertEquals(progress.lines().map((l) => l.split(" ").slice(0, 4).join(" ")), [
      "gzip.zip (MB) [--------------------] 3/562",
    ]);
    assertEquals(err, [
      "error: 1 of 1 files of emnist failed to download (truncated download; HTTP 404). The " +
      `partial download is kept in ${target}/gzip.zip.part (3.0 MB); a rerun resumes it. Rerun ` +
      "`deno task data emnist` to try again (--verbose: every mirror's error).",
    ]);
    // Both mirrors: the second asked only for the rest of what the first left.
    assertEquals(requests, [null, "bytes=3000000-"]);
    assertEquals((await Deno.stat(`${target}/gzip.zip.part`)).size, 3_000_000);
    // The rerun asks for the rest from the first mirror.
    requests.length = 0;
    assertEquals(await main(args, { ...capture().io, fetch: cut, progress: progress.writer }), 1);
    assertEquals(requests, ["bytes=3000000-", "bytes=3000000-"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
