import { assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { CLASS_NAMES } from "../../lib/data/class_names.ts";
import { classLabel, classLabels } from "../../lib/display/class_labels.ts";

Deno.test("classLabel names a class, or writes its number when no names are given", () => {
  assertEquals(classLabel(7), "7");
  assertEquals(classLabel(0, CLASS_NAMES["fashion-mnist"]), "T-shirt/top");
  assertEquals(classLabel(25, CLASS_NAMES["emnist-letters"]), "Z");
  for (const bad of [10, -1, 1.5, NaN]) {
    assertThrows(
      () => classLabel(bad, CLASS_NAMES["kmnist"]),
      InvalidArgumentError,
      `class ${bad} has no name: 10 class names were given ("お (o)", "き (ki)", "す (su)", ` +
        `"つ (tsu)", ...)`,
    );
  }
});

Deno.test("classLabels gives one name per class and checks the count", () => {
  assertEquals(classLabels(0), []);
  assertThrows(() => classLabel(2, ["a", "b"]), InvalidArgumentError, '("a", "b")');
  assertEquals(classLabels(4), ["0", "1", "2", "3"]);
  const fashion = CLASS_NAMES["fashion-mnist"];
  const names = classLabels(10, fashion);
  assertEquals(names, [...fashion]);
  names[0] = "changed"; // a copy: the caller's list stays as it was
  assertEquals(fashion[0], "T-shirt/top");
  assertThrows(() => classLabels(26, fashion), InvalidArgumentError, "26 classes but 10");
});
