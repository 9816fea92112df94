/**
 * The names of the classes of every dataset Digit Lab reads, by dataset name,
 * index for index with the labels: what tables and charts show instead of
 * the label numbers.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";

/** The ten digits "0".."9", MNIST's and EMNIST digits' classes. */
const DIGITS: readonly string[] = Object.freeze(
  Array.from({ length: 10 }, (_, i) => String(i)),
);

/**
 * The class names of each known dataset, keyed by the name used on the
 * command line and as `data/<name>`.
 *
 * - `fashion-mnist`: Zalando's ten labels, as in the authors' README.
 * - `kmnist`: the ten hiragana of Kuzushiji-MNIST (its `kmnist_classmap.csv`,
 *   labels 0..9 = お き す つ な は ま や れ を), each with its romaji, since
 *   the cursive images look little like the modern glyph and many readers
 *   do not read kana.
 * - `emnist-letters`: 26 names "A".."Z". EMNIST letters merges upper and
 *   lower case into one class per letter (its mapping file lists label 1 as
 *   both ASCII 65 "A" and 97 "a"), so one name stands for both; upper case is
 *   the one the mapping lists first. EMNIST's own labels run 1..26; a loader
 *   shifts them to 0..25 to index this list.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { CLASS_NAMES } from "./class_names.ts";
 * assertEquals(CLASS_NAMES["fashion-mnist"][9], "Ankle boot");
 * assertEquals(CLASS_NAMES["emnist-letters"].length, 26);
 * assertEquals(CLASS_NAMES["kmnist"][0], "お (o)");
 * ```
 */
export const CLASS_NAMES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  "mnist": DIGITS,
  "fashion-mnist": Object.freeze([
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
  ]),
  "kmnist": Object.freeze([
    "お (o)",
    "き (ki)",
    "す (su)",
    "つ (tsu)",
    "な (na)",
    "は (ha)",
    "ま (ma)",
    "や (ya)",
    "れ (re)",
    "を (wo)",
  ]),
  "emnist-digits": DIGITS,
  "emnist-letters": Object.freeze(
    Array.from({ length: 26 }, (_, i) => String.fromCharCode(65 + i)),
  ),
});

/**
 * The class names of the dataset called `name` (a key of
 * {@linkcode CLASS_NAMES}).
 *
 * @throws {InvalidArgumentError} naming `name` and the known datasets.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { classNamesOf } from "./class_names.ts";
 * import { InvalidArgumentError } from "../core/errors.ts";
 * assertEquals(classNamesOf("mnist").join(""), "0123456789");
 * assertEquals(classNamesOf("fashion-mnist")[0], "T-shirt/top");
 * assertThrows(() => classNamesOf("cifar10"), InvalidArgumentError, 'unknown dataset "cifar10"');
 * ```
 */
export function classNamesOf(name: string): readonly string[] {
  if (!Object.hasOwn(CLASS_NAMES, name)) {
    throw new InvalidArgumentError(
      `unknown dataset "${name}": known datasets are ${Object.keys(CLASS_NAMES).join(", ")}`,
    );
  }
  return CLASS_NAMES[name];
}
