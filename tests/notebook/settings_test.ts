import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "@std/assert";
import { join } from "@std/path";
import { DataFormatError, InvalidArgumentError } from "../../lib/core/errors.ts";
import { dataPath } from "../../lib/core/paths.ts";
import { CLASS_NAMES } from "../../lib/data/class_names.ts";
import {
  datasetLocation,
  describeSettings,
  loadNotebookSplits,
  missingDataset,
  notebookSettings,
} from "../../lib/notebook/settings.ts";
import { env, writeIdxDir } from "./_datasets.ts";

const DIGITS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

Deno.test("notebookSettings: full runs by default, quick mode from DIGIT_LAB_QUICK", () => {
  const full = notebookSettings({ env: env({}) });
  assertEquals(full, {
    quick: false,
    dataset: "mnist",
    classNames: DIGITS,
    data: undefined,
    dataRoot: dataPath(),
    limit: undefined,
    epochs: 8,
    batchSize: 128,
    seed: 42,
    validation: 0.1,
    modelDir: dataPath("models", "notebook"),
  });
  const quick = notebookSettings({
    env: env({ DIGIT_LAB_QUICK: "1", DIGIT_LAB_NOTEBOOK_MODEL: "/m" }),
  });
  assertEquals([quick.quick, quick.limit, quick.epochs, quick.batchSize, quick.modelDir], [
    true,
    2000,
    1,
    32,
    "/m",
  ]);
  assertEquals(notebookSettings({ env: env({ DIGIT_LAB_QUICK: "TRUE" }) }).quick, true);
  assertEquals(notebookSettings({ env: env({ DIGIT_LAB_QUICK: "0" }) }).quick, false);
  const idx = notebookSettings({ env: env({ DIGIT_LAB_DATA: "/data/mnist" }) });
  assertEquals([idx.data, idx.epochs, idx.dataset], ["/data/mnist", 3, "mnist"]);
  assertThrows(
    () => notebookSettings({ env: env({ DIGIT_LAB_QUICK: "yes" }) }),
    InvalidArgumentError,
    '"yes"',
  );
});

Deno.test("notebookSettings: the dataset from DIGIT_LAB_DATASET, its names, data and model dir", () => {
  const fashion = notebookSettings({ env: env({ DIGIT_LAB_DATASET: "fashion-mnist" }) });
  assertEquals(fashion.dataset, "fashion-mnist");
  assertEquals(fashion.classNames, CLASS_NAMES["fashion-mnist"]);
  // The loader gets the name (it finds data/fashion-mnist/); a full dataset trains 3 epochs.
  assertEquals([fashion.data, fashion.epochs], ["fashion-mnist", 3]);
  // Its own model directory, so that notebook 05 does not evaluate the digit model on clothes.
  assertEquals(fashion.modelDir, dataPath("models", "notebook-fashion-mnist"));
  const letters = notebookSettings({ env: env({ DIGIT_LAB_DATASET: " EMNIST-Letters " }) });
  assertEquals([letters.dataset, letters.classNames.length], ["emnist-letters", 26]);
  // DIGIT_LAB_DATA names the directory of the chosen dataset's files.
  const dir = notebookSettings({
    env: env({
      DIGIT_LAB_DATASET: "kmnist",
      DIGIT_LAB_DATA: "/tmp/k",
      DIGIT_LAB_NOTEBOOK_MODEL: "/m",
    }),
  });
  assertEquals([dir.dataset, dir.data, dir.modelDir, dir.classNames[0]], [
    "kmnist",
    "/tmp/k",
    "/m",
    "お (o)",
  ]);
  // An empty variable is the default.
  assertEquals(notebookSettings({ env: env({ DIGIT_LAB_DATASET: "" }) }).dataset, "mnist");
});

Deno.test("notebookSettings: the first cell's dataset wins over DIGIT_LAB_DATASET", () => {
  const vars = env({ DIGIT_LAB_DATASET: "kmnist" });
  assertEquals(notebookSettings({ env: vars, dataset: "fashion-mnist" }).dataset, "fashion-mnist");
  assertEquals(notebookSettings({ env: vars, dataset: undefined }).dataset, "kmnist");
  const mnist = notebookSettings({ env: vars, dataset: "mnist" });
  assertEquals([mnist.dataset, mnist.data, mnist.classNames], ["mnist", undefined, DIGITS]);
});

Deno.test("notebookSettings: an unknown dataset is refused, naming it and the known ones", () => {
  const fromEnv = assertThrows(
    () => notebookSettings({ env: env({ DIGIT_LAB_DATASET: "cifar10" }) }),
    InvalidArgumentError,
  );
  assertEquals(
    fromEnv.message,
    'unknown dataset "cifar10": known datasets are mnist, fashion-mnist, kmnist, ' +
      "emnist-digits, emnist-letters",
  );
  assertThrows(
    () => notebookSettings({ env: env({}), dataset: "emnist" }),
    InvalidArgumentError,
    'unknown dataset "emnist"',
  );
  assertThrows(() => datasetLocation("letters"), InvalidArgumentError, '"letters"');
});

Deno.test("missingDataset names the command that downloads a dataset that is not there", async () => {
  const root = await Deno.makeTempDir();
  try {
    const fashion = notebookSettings({ env: env({}), dataset: "fashion-mnist" });
    assertEquals(
      missingDataset({ ...fashion, dataRoot: root }),
      `dataset "fashion-mnist" is not downloaded (no ${root}/fashion-mnist): run ` +
        "`deno task data fashion-mnist` at the project root, or set DIGIT_LAB_DATA to a " +
        "directory holding its four IDX files",
    );
    const digits = notebookSettings({ env: env({}), dataset: "emnist-digits" });
    assertMatch(
      missingDataset({ ...digits, dataRoot: root })!,
      /no .*\/emnist\/gzip\.zip\): run `deno task data emnist`/,
    );
    await Deno.mkdir(join(root, "fashion-mnist"));
    assertEquals(missingDataset({ ...fashion, dataRoot: root }), undefined);
    // The embedded digits and a DIGIT_LAB_DATA directory are never "not downloaded".
    assertEquals(
      missingDataset({ ...notebookSettings({ env: env({}) }), dataRoot: root }),
      undefined,
    );
    const dir = notebookSettings({ env: env({ DIGIT_LAB_DATA: "/x" }), dataset: "kmnist" });
    assertEquals(missingDataset({ ...dir, dataRoot: root }), undefined);
    // DIGIT_LAB_DATA_ROOT moves it; the default root is the project's data/.
    const moved = notebookSettings({ env: env({ DIGIT_LAB_DATA_ROOT: root }), dataset: "kmnist" });
    assertEquals(moved.dataRoot, root);
    assertMatch(missingDataset(moved)!, new RegExp(`\\(no ${root}/kmnist\\)`));
    assertEquals(datasetLocation("kmnist").path, dataPath("kmnist"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("describeSettings says the dataset, its classes and the run", () => {
  const fashion = {
    ...notebookSettings({ env: env({ DIGIT_LAB_DATA: "/tmp/f" }), dataset: "fashion-mnist" }),
    modelDir: "/m",
  };
  assertEquals(
    describeSettings(fashion),
    "Dataset fashion-mnist (/tmp/f), 10 classes: T-shirt/top, Trouser, Pullover, Dress, Coat, " +
      "Sandal, Shirt, Sneaker, Bag, Ankle boot. Full run: 3 epoch(s) in batches of 128. Model: /m.",
  );
  const quick = notebookSettings({
    env: env({ DIGIT_LAB_QUICK: "1", DIGIT_LAB_NOTEBOOK_MODEL: "/m" }),
  });
  assertEquals(
    describeSettings(quick),
    "Dataset mnist (embedded digits), 10 classes: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9. Quick run: " +
      "1 epoch(s) on at most 2000 training examples. Model: /m.",
  );
});

Deno.test("describeSettings warns in the first cell when the dataset is not downloaded", async () => {
  const root = await Deno.makeTempDir();
  try {
    const settings = notebookSettings({ env: env({ DIGIT_LAB_QUICK: "1" }), dataset: "kmnist" });
    const line = describeSettings({ ...settings, dataRoot: root });
    assert(
      line.startsWith("Dataset kmnist (NOT DOWNLOADED: run `deno task data kmnist`), 10 classes:"),
      line,
    );
    await Deno.mkdir(join(root, "kmnist"));
    assert(
      describeSettings({ ...settings, dataRoot: root }).startsWith(
        `Dataset kmnist (${root}/kmnist), 10 classes: お (o),`,
      ),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("loadNotebookSplits loads a DIGIT_LAB_DATA directory as the chosen dataset", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeIdxDir(dir, { train: 60, test: 20 });
    const settings = notebookSettings({
      env: env({ DIGIT_LAB_DATA: dir, DIGIT_LAB_QUICK: "1" }),
      dataset: "fashion-mnist",
    });
    const splits = await loadNotebookSplits(settings);
    assertEquals([splits.train.count, splits.validation.count, splits.test.count], [54, 6, 20]);
    assertEquals(splits.source, `idx:${dir}`);
    assertEquals(splits.train.numClasses, 10);
    assertEquals(splits.classNames, [
      ...CLASS_NAMES["fashion-mnist"],
    ]);
    // Ten classes of data cannot be EMNIST's 26 letters.
    const letters = {
      ...settings,
      dataset: "emnist-letters",
      classNames: CLASS_NAMES["emnist-letters"],
    };
    await assertRejects(
      () => loadNotebookSplits(letters),
      DataFormatError,
      `idx:${dir} has 10 classes but emnist-letters has 26 (A, B, C, ...)`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadNotebookSplits loads a dataset by name from the root, or names its download", async () => {
  const root = await Deno.makeTempDir();
  try {
    const settings = notebookSettings({
      env: env({ DIGIT_LAB_QUICK: "1" }),
      dataset: "fashion-mnist",
    });
    await assertRejects(
      () => loadNotebookSplits({ ...settings, dataRoot: root }),
      DataFormatError,
      "run `deno task data fashion-mnist` at the project root",
    );
    const letters = notebookSettings({ env: env({}), dataset: "emnist-letters" });
    await assertRejects(
      () => loadNotebookSplits({ ...letters, dataRoot: root }),
      DataFormatError,
      "run `deno task data emnist` at the project root",
    );
    // Downloaded: the loader is given the name and finds <root>/fashion-mnist.
    await Deno.mkdir(join(root, "fashion-mnist"));
    await writeIdxDir(join(root, "fashion-mnist"), { train: 30, test: 10 });
    const splits = await loadNotebookSplits({ ...settings, dataRoot: root });
    assertEquals([splits.train.count + splits.validation.count, splits.test.count], [30, 10]);
    assertEquals(splits.classNames[9], "Ankle boot");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
