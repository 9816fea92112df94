/**
 * What a chart, table or caption writes for a class: its name from a
 * dataset's class names (Fashion-MNIST's "Trouser"), or the class number
 * when no names are given, as for the digits.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";

/**
 * The name of class `label`: `classNames[label]`, or the label as text when
 * `classNames` is not given.
 *
 * @throws {InvalidArgumentError} when names are given and `label` is not an
 *   index into them (a names list shorter than the model's classes).
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { InvalidArgumentError } from "../core/mod.ts";
 * import { classLabel } from "./class_labels.ts";
 * assertEquals(classLabel(3), "3");
 * assertEquals(classLabel(1, ["T-shirt/top", "Trouser"]), "Trouser");
 * assertThrows(() => classLabel(2, ["a", "b"]), InvalidArgumentError, "class 2");
 * ```
 */
export function classLabel(label: number, classNames?: readonly string[]): string {
  if (classNames === undefined) return String(label);
  if (!Number.isInteger(label) || label < 0 || label >= classNames.length) {
    throw new InvalidArgumentError(
      `class ${label} has no name: ${classNames.length} class names were given (${
        [
          ...classNames.slice(0, 4).map((n) => JSON.stringify(n)),
          ...(classNames.length > 4 ? ["..."] : []),
        ]
          .join(", ")
      })`,
    );
  }
  return classNames[label];
}

/**
 * The names of classes `0..count-1`: `classNames` itself, or `"0"`, `"1"`,
 * ... when it is not given.
 *
 * @throws {InvalidArgumentError} when names are given for a different number of classes.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { InvalidArgumentError } from "../core/mod.ts";
 * import { classLabels } from "./class_labels.ts";
 * assertEquals(classLabels(3), ["0", "1", "2"]);
 * assertEquals(classLabels(2, ["cat", "dog"]), ["cat", "dog"]);
 * assertThrows(() => classLabels(3, ["cat", "dog"]), InvalidArgumentError, "3 classes");
 * ```
 */
export function classLabels(count: number, classNames?: readonly string[]): string[] {
  if (classNames === undefined) return Array.from({ length: count }, (_, i) => String(i));
  if (classNames.length !== count) {
    throw new InvalidArgumentError(
      `${count} classes but ${classNames.length} class names were given: ${
        JSON.stringify(classNames)
      }`,
    );
  }
  return [...classNames];
}
