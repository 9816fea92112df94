/**
 * JSON-aware mutations, for `model.json`: a byte mutation of JSON is nearly
 * always a syntax error, which tests one line of the loader; these keep the
 * JSON valid and change what it says: a number made huge, negative, zero,
 * fractional or a string (`"."`, `"NaN"`), a key dropped, a value's type
 * changed, an array emptied or repeated.
 *
 * @module
 */

import { randomInt, type Rng } from "../core/mod.ts";
import { pick } from "./mutators.ts";

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Where a value sits: the keys and indices from the root. */
type JsonPath = (string | number)[];

const NUMBERS: readonly Json[] = [
  0,
  -1,
  1,
  0.5,
  -0.5,
  2 ** 31 - 1,
  2 ** 32 - 1,
  2 ** 53,
  1_000_000,
  1e308,
  -1e308,
  5e-324,
  "NaN",
  "Infinity",
  ".",
  "",
  null,
];

const REPLACEMENTS: readonly Json[] = [
  null,
  true,
  0,
  -1,
  1e9,
  "",
  ".",
  "x".repeat(300),
  [],
  [null],
  {},
  // An own "__proto__" key, as JSON.parse makes it (an object literal would set the prototype).
  JSON.parse('{"__proto__": 1}'),
];

/**
 * Every path to a value in `value`, the root first.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { jsonPaths } from "./json_mutators.ts";
 * assertEquals(jsonPaths({ a: [1] }), [[], ["a"], ["a", 0]]);
 * ```
 */
export function jsonPaths(value: Json, prefix: JsonPath = []): JsonPath[] {
  const paths: JsonPath[] = [prefix];
  if (Array.isArray(value)) {
    value.forEach((v, i) => paths.push(...jsonPaths(v, [...prefix, i])));
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) paths.push(...jsonPaths(v, [...prefix, k]));
  }
  return paths;
}

function getAt(root: Json, path: JsonPath): Json {
  let v: Json = root;
  for (const key of path) v = (v as Record<string | number, Json>)[key];
  return v;
}

/** A copy of `root` with the value at `path` replaced (`undefined`: removed). */
function setAt(root: Json, path: JsonPath, value: Json | undefined): Json {
  if (path.length === 0) return value ?? null;
  const copy: Json = structuredClone(root);
  const parent = getAt(copy, path.slice(0, -1)) as Record<string | number, Json> | Json[];
  const key = path.at(-1)!;
  if (value !== undefined) (parent as Record<string | number, Json>)[key] = value;
  else if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete (parent as Record<string, Json>)[key as string];
  return copy;
}

/**
 * One JSON-aware mutation of `value`: most often a number changed to an
 * extreme or to a string; else a key dropped, a value replaced by one of
 * another type, an array emptied or its first element repeated, or a key
 * renamed. Returns a new value; `value` is left alone.
 *
 * @example
 * ```ts
 * import { assertEquals, assertNotEquals } from "@std/assert";
 * import { createRng } from "../core/random.ts";
 * import { mutateJson } from "./json_mutators.ts";
 * const model = { layers: [{ units: 128, epsilon: 0.001 }] };
 * const out = mutateJson(createRng(4), model);
 * assertNotEquals(out, model);
 * assertEquals(mutateJson(createRng(4), model), out); // seeded
 * assertEquals(model.layers[0].units, 128); // the input is untouched
 * ```
 */
export function mutateJson(rng: Rng, value: Json): Json {
  const paths = jsonPaths(value);
  const numbers = paths.filter((p) => typeof getAt(value, p) === "number");
  const kind = randomInt(rng, 10);
  if (kind < 5 && numbers.length > 0) {
    const path = pick(rng, numbers);
    const current = getAt(value, path) as number;
    const next = rng() < 0.2 ? current * pick(rng, [-1, 10, 1000, 1e6]) : pick(rng, NUMBERS);
    return setAt(value, path, next === current ? String(current) : next);
  }
  const path = pick(rng, paths.length > 1 ? paths.slice(1) : paths);
  const target = getAt(value, path);
  switch (kind) {
    case 5: // a key or element dropped
      return path.length > 0 ? setAt(value, path, undefined) : null;
    case 6: { // a value of another type
      const replacement = pick(rng, REPLACEMENTS);
      return setAt(
        value,
        path,
        JSON.stringify(replacement) === JSON.stringify(target) ? "?" : replacement,
      );
    }
    case 7: // an array emptied, or its first element repeated
      if (Array.isArray(target) && target.length > 0) {
        return setAt(value, path, rng() < 0.5 ? [] : [target[0], ...target]);
      }
      return setAt(value, path, [target]);
    case 8: { // a key renamed (the loader must notice a missing key, not read undefined)
      const parentPath = path.slice(0, -1);
      const parent = getAt(value, parentPath);
      const key = path.at(-1);
      if (typeof key === "string" && parent !== null && typeof parent === "object") {
        const renamed = setAt(value, path, undefined) as Json;
        return setAt(renamed, [...parentPath, `${key}_`], target);
      }
      return setAt(value, path, undefined);
    }
    default: // a string value changed
      return setAt(value, path, typeof target === "string" ? `${target}x` : String(target));
  }
}
