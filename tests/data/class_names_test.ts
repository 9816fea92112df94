import { assertEquals, assertThrows } from "@std/assert";
import { InvalidArgumentError } from "../../lib/core/errors.ts";
import { CLASS_NAMES, classNamesOf } from "../../lib/data/class_names.ts";

Deno.test("CLASS_NAMES lists distinct, non-empty names for every dataset", () => {
  assertEquals(Object.keys(CLASS_NAMES), [
    "mnist",
    "fashion-mnist",
    "kmnist",
    "emnist-digits",
    "emnist-letters",
  ]);
  const sizes = Object.fromEntries(Object.entries(CLASS_NAMES).map(([k, v]) => [k, v.length]));
  assertEquals(sizes, {
    "mnist": 10,
    "fashion-mnist": 10,
    "kmnist": 10,
    "emnist-digits": 10,
    "emnist-letters": 26,
  });
  for (const [name, names] of Object.entries(CLASS_NAMES)) {
    assertEquals(new Set(names).size, names.length, `${name} has a repeated name`);
    for (const n of names) assertEquals(n.trim().length > 0, true, `${name}: empty name`);
  }
});

Deno.test("CLASS_NAMES follows each dataset's label order", () => {
  assertEquals(CLASS_NAMES["mnist"].join(""), "0123456789");
  assertEquals(CLASS_NAMES["emnist-digits"].join(""), "0123456789");
  assertEquals(CLASS_NAMES["emnist-letters"].join(""), "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  assertEquals(CLASS_NAMES["fashion-mnist"], [
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
  ]);
  // Kuzushiji-MNIST's kmnist_classmap.csv: U+304A お ... U+3092 を.
  assertEquals(CLASS_NAMES["kmnist"].map((n) => n[0]).join(""), "おきすつなはまやれを");
  assertEquals(CLASS_NAMES["kmnist"][3], "つ (tsu)");
});

Deno.test("CLASS_NAMES cannot be changed by a caller", () => {
  const names = CLASS_NAMES["fashion-mnist"] as string[];
  assertThrows(() => {
    names[0] = "Hat";
  }, TypeError);
  assertThrows(() => {
    (CLASS_NAMES as Record<string, readonly string[]>)["cifar10"] = [];
  }, TypeError);
  assertEquals(classNamesOf("fashion-mnist")[0], "T-shirt/top");
});

Deno.test("classNamesOf returns the names or names the unknown dataset and the known ones", () => {
  assertEquals(classNamesOf("kmnist"), CLASS_NAMES["kmnist"]);
  assertEquals(classNamesOf("emnist-letters")[25], "Z");
  const e = assertThrows(() => classNamesOf("emnist"), InvalidArgumentError);
  assertEquals(
    e.message,
    'unknown dataset "emnist": known datasets are mnist, fashion-mnist, kmnist, ' +
      "emnist-digits, emnist-letters",
  );
  // Inherited properties are not datasets.
  assertThrows(() => classNamesOf("toString"), InvalidArgumentError, '"toString"');
});
