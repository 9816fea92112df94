/**
 * Notebooks 01–05 on other datasets, through the real Deno kernel, as a user
 * would choose them: `DIGIT_LAB_DATASET=NAME`, with the downloaded datasets
 * in `DIGIT_LAB_DATA_ROOT`, a temporary directory the test fills:
 * - `fashion-mnist/`: a small Fashion-like IDX directory (random 28x28
 *   images, labels 0..9); notebooks 01–05 run without an error and their
 *   tables, captions and charts name the Fashion-MNIST classes;
 * - `emnist/gzip.zip`: a small EMNIST archive with the letters split (26
 *   classes, labels 1..26); notebooks 01 and 05 show all 26 letters.
 *
 * Needs what `notebooks_test.ts` needs to execute notebooks (Debian's
 * `/usr/bin/python3` with jupyter_client and nbformat, the Deno kernel).
 *
 * @module
 */

import { assert, assertEquals } from "@std/assert";
import { join } from "@std/path";
import { projectRoot } from "../../lib/core/paths.ts";
import { CLASS_NAMES } from "../../lib/data/class_names.ts";
import { writeIdxDir } from "../notebook/_datasets.ts";
import { barGlyphs, writeEmnistArchive } from "../_helpers/emnist_archive.ts";
import { allOutputs, type Notebook, readNotebook, textOf } from "./_ipynb.ts";

const ROOT = projectRoot();
const RUNNER = join(ROOT, "tests", "notebooks", "run_notebook.py");
const PYTHON = "/usr/bin/python3";
const PLOTLY_MIME = "application/vnd.plotly.v1+json";
const FASHION = CLASS_NAMES["fashion-mnist"];
const LETTERS = CLASS_NAMES["emnist-letters"];

/** All text of a notebook's outputs in one MIME type. */
function texts(nb: Notebook, mime = "text/plain"): string {
  return allOutputs(nb).map((o) => textOf(o, mime)).join("\n");
}

/** The HTML captions of the image grids. */
function captions(nb: Notebook): string[] {
  return [...texts(nb, "text/html").matchAll(/<figcaption>([^<]*)<\/figcaption>/g)].map((m) =>
    m[1]
  );
}

/** What each notebook must show on Fashion-MNIST. */
const EXPECTATIONS: Record<string, (nb: Notebook) => void> = {
  "01_load_data": (nb) => {
    assert(texts(nb).includes("Dataset fashion-mnist ("), "01: the first cell names the dataset");
    const html = texts(nb, "text/html");
    for (const name of FASHION) assert(html.includes(`<th>${name}</th>`), `01: no column ${name}`);
    // Eight samples of each class, each captioned with its class's name.
    assertEquals(captions(nb), FASHION.flatMap((name) => new Array(8).fill(name)));
  },
  "02_preprocess": (nb) => {
    const html = texts(nb, "text/html");
    assert(html.includes("<th>class</th>"), "02: the one-hot table has no class column");
    const original = captions(nb).filter((c) => c.startsWith("original "));
    assertEquals(original.length, 2, "02: two augmentation grids");
    assert(FASHION.includes(original[0].slice("original ".length)), original[0]);
  },
  "03_model": (nb) => {
    // The untrained model reads the eighth class's sample: a Sneaker.
    assert(texts(nb).includes("expected Sneaker"), "03: the reading does not name the class");
  },
  "04_train": (nb) => {
    assert(texts(nb).includes(": done,"), "04: training did not finish");
  },
  "05_evaluate": (nb) => {
    assert(texts(nb).includes("Loaded the model saved in"), "05: did not load 04's model");
    const figures = allOutputs(nb).flatMap((o) => {
      const figure = o.data?.[PLOTLY_MIME] as { data: { x: unknown }[] } | undefined;
      return figure ? [figure] : [];
    });
    assertEquals(figures.length, 2, "05: the confusion matrix and per-class figures");
    assertEquals(figures[0].data[0].x, FASHION, "05: confusion matrix columns");
    assertEquals(figures[1].data[0].x, FASHION, "05: per-class bars");
    const html = texts(nb, "text/html");
    assert(/<td [^>]*>Ankle boot<\/td>/.test(html), "05: the per-class table names the classes");
    const mistakes = captions(nb);
    assert(mistakes.length > 0, "05: no mistakes shown");
    for (const caption of mistakes) {
      const [truth, rest] = caption.split(" → ");
      assert(FASHION.includes(truth) && FASHION.some((n) => rest.startsWith(`${n} (`)), caption);
    }
  },
};

/** What notebooks 01 and 05 must show on EMNIST letters. */
const LETTER_EXPECTATIONS: Record<string, (nb: Notebook) => void> = {
  "01_load_data": (nb) => {
    assert(texts(nb).includes("Dataset emnist-letters ("), "01: the first cell names the dataset");
    // Eight samples of each of the 26 letters: all 208 shown, none cut off at 100.
    assertEquals(captions(nb), LETTERS.flatMap((name) => new Array(8).fill(name)));
  },
  "05_evaluate": (nb) => {
    // No model of its own yet: a quick one with 26 outputs is trained on the spot.
    assert(texts(nb).includes("trained a quick one instead"), "05: no quick model");
    const figure = allOutputs(nb).find((o) => o.data?.[PLOTLY_MIME])!.data![PLOTLY_MIME] as {
      data: { x: unknown; z: number[][] }[];
    };
    assertEquals(figure.data[0].x, LETTERS, "05: confusion matrix columns");
    assertEquals(figure.data[0].z.length, 26, "05: a 26x26 confusion matrix");
  },
};

/** Runs notebook `name` through the kernel with `vars` and returns the executed notebook. */
async function execute(name: string, out: string, vars: Record<string, string>): Promise<Notebook> {
  const env: Record<string, string> = {
    ...Deno.env.toObject(),
    NO_COLOR: "1",
    DIGIT_LAB_QUICK: "1",
    ...vars,
  };
  delete env.DIGIT_LAB_DATA; // the dataset comes by name, from DIGIT_LAB_DATA_ROOT
  const result = await new Deno.Command(PYTHON, {
    args: [RUNNER, join(ROOT, "notebooks", `${name}.ipynb`), out, "--timeout", "120"],
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(result.stderr);
  const nb = await readNotebook(out).catch(() => {
    throw new Error(`the runner wrote no notebook (exit ${result.code}):\n${stderr}`);
  });
  const errors = allOutputs(nb).filter((o) => o.output_type === "error");
  assertEquals(errors.map((e) => `cell ${e.cell}: ${e.ename}: ${e.evalue}`), [], name);
  assertEquals(result.code, 0, `${name}: runner exit ${result.code}\n${stderr}`);
  return nb;
}

Deno.test("notebooks 01–05 run on Fashion-MNIST and EMNIST letters with their class names", async (t) => {
  const root = await Deno.makeTempDir({ prefix: "digit-lab-datasets-" });
  try {
    // 300 training and 100 test images: enough for 8 samples of every class and a quick epoch.
    await Deno.mkdir(join(root, "fashion-mnist"));
    await writeIdxDir(join(root, "fashion-mnist"), { train: 300, test: 100 }, 7);
    // 260 and 52 letters: 10 and 2 of each of the 26, stored as EMNIST stores them.
    await Deno.mkdir(join(root, "emnist"));
    await writeEmnistArchive(join(root, "emnist", "gzip.zip"), {
      letters: { train: barGlyphs(260, 26, 1, 1), test: barGlyphs(52, 26, 1, 2) },
    });
    for (const name of Object.keys(EXPECTATIONS)) {
      await t.step(`fashion-mnist: ${name}`, async () => {
        const nb = await execute(name, join(root, `fashion-${name}.ipynb`), {
          DIGIT_LAB_DATASET: "fashion-mnist",
          DIGIT_LAB_DATA_ROOT: root,
          DIGIT_LAB_NOTEBOOK_MODEL: join(root, "fashion-model"),
        });
        EXPECTATIONS[name](nb);
      });
    }
    for (const name of Object.keys(LETTER_EXPECTATIONS)) {
      await t.step(`emnist-letters: ${name}`, async () => {
        const nb = await execute(name, join(root, `letters-${name}.ipynb`), {
          DIGIT_LAB_DATASET: "emnist-letters",
          DIGIT_LAB_DATA_ROOT: root,
          DIGIT_LAB_NOTEBOOK_MODEL: join(root, "letters-model"),
        });
        LETTER_EXPECTATIONS[name](nb);
      });
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
