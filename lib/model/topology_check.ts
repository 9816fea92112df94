/**
 * Checking a saved model's topology (`modelTopology` of `model.json`, the
 * TensorFlow.js layers format) before anything is built from it.
 *
 * TensorFlow.js builds a model from its topology with random weights before
 * any weights are compared, so one edited number (dense units 128 ->
 * 1,000,000) used to cost 35 s and 8 GB before the error. Here every layer
 * must be of a class the builder offers (see `architecture.ts`), every
 * setting of the expected type and within caps that bound the parameter
 * count and the values one example produces, and the shapes are followed
 * layer by layer, which gives the weights the topology needs. Only a
 * topology that passes is built, and its weights manifest must list exactly
 * those weights.
 *
 * @module
 */

import { ModelLoadError } from "../core/mod.ts";
import type { Activation } from "./architecture.ts";

/**
 * The caps a loaded topology must stay within.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { TOPOLOGY_LIMITS } from "./topology_check.ts";
 * assert(TOPOLOGY_LIMITS.params >= 207_000); // the strong CNN fits easily
 * ```
 */
export const TOPOLOGY_LIMITS: Readonly<{
  /** Layers in the model. */
  layers: number;
  /** Dense units and convolution filters per layer. */
  units: number;
  /** Values one example has at the input or after any layer. */
  activations: number;
  /** Weights of the whole model (4 bytes each). */
  params: number;
  /** Convolution and pooling strides. */
  strides: number;
}> = Object.freeze({
  layers: 256,
  units: 65_536,
  activations: 2 ** 24,
  params: 50_000_000,
  strides: 4096,
});

/** A weight a checked topology needs: its name in the weights manifest and its shape. */
export interface ExpectedWeight {
  /** `<layer name>/<weight>`, e.g. `dense_Dense1/kernel`. */
  name: string;
  /** The weight's shape. */
  shape: number[];
}

/** What {@linkcode checkTopology} found. */
export interface CheckedTopology {
  /** The shape of one input example (without the batch dimension). */
  inputShape: number[];
  /** The weights the layers need, in layer order. */
  weights: ExpectedWeight[];
  /** Total number of weight values. */
  params: number;
}

const ACTIVATIONS: ReadonlySet<string> = new Set<Activation>([
  "relu",
  "elu",
  "selu",
  "tanh",
  "sigmoid",
  "softmax",
  "linear",
]);

/** Initialisers a loaded layer may name; they only make the weights the saved ones replace. */
const INITIALIZERS: ReadonlySet<string> = new Set([
  "VarianceScaling",
  "Zeros",
  "Ones",
  "Constant",
  "RandomNormal",
  "RandomUniform",
  "TruncatedNormal",
  "GlorotUniform",
  "GlorotNormal",
  "HeNormal",
  "HeUniform",
  "LeCunNormal",
  "LeCunUniform",
]);

const KERNEL_SETTINGS = [
  "activation",
  "use_bias",
  "kernel_initializer",
  "bias_initializer",
  "kernel_regularizer",
  "bias_regularizer",
  "activity_regularizer",
  "kernel_constraint",
  "bias_constraint",
];

/**
 * Checks a topology and returns the weights it needs.
 *
 * @throws {ModelLoadError} naming the field and its value, e.g.
 *   `layers[3].config.units = 1000000 exceeds 65536`.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { checkTopology } from "./topology_check.ts";
 * import { ModelLoadError } from "../core/errors.ts";
 * const dense = (units: number) => ({
 *   class_name: "Sequential",
 *   config: { layers: [{ class_name: "Dense", config: { name: "d", units, batch_input_shape: [null, 3] } }] },
 * });
 * assertEquals(checkTopology(dense(2)).weights, [
 *   { name: "d/kernel", shape: [3, 2] },
 *   { name: "d/bias", shape: [2] },
 * ]);
 * assertThrows(() => checkTopology(dense(1e6)), ModelLoadError, "layers[0].config.units = 1000000 exceeds 65536");
 * ```
 */
export function checkTopology(topology: unknown): CheckedTopology {
  const layers = layerList(topology);
  const weights: ExpectedWeight[] = [];
  const names = new Set<string>();
  let shape: number[] = [];
  let params = 0;
  layers.forEach((layer, i) => {
    const where = `layers[${i}]`;
    if (!isObject(layer)) fail(where, layer, "is not an object");
    const className = layer.class_name;
    const check = LAYER_CHECKS[className as string];
    if (typeof className !== "string" || !Object.hasOwn(LAYER_CHECKS, className)) {
      fail(
        `${where}.class_name`,
        className,
        `is not a layer Digit Lab builds (one of ${Object.keys(LAYER_CHECKS).join(", ")})`,
      );
    }
    const settings = new Settings(`${where}.config`, layer.config, className);
    const name = settings.string("name");
    if (names.has(name)) fail(`${where}.config.name`, name, "is the name of an earlier layer");
    names.add(name);
    settings.optional("trainable", (key) => settings.boolean(key));
    settings.optional("dtype", (key) => settings.oneOf(key, ["float32"]));
    if (i === 0) shape = settings.inputShape();
    else if (settings.has("batch_input_shape")) {
      fail(
        `${where}.config.batch_input_shape`,
        settings.get("batch_input_shape"),
        "is allowed only on the first layer",
      );
    }
    const out = check(settings, shape);
    settings.done();
    const values = out.shape.reduce((a, b) => a * b, 1);
    if (values > TOPOLOGY_LIMITS.activations) {
      fail(
        where,
        `${className} [${out.shape}]`,
        `gives ${values} values per example, more than ${TOPOLOGY_LIMITS.activations}`,
      );
    }
    for (const [weight, weightShape] of out.weights) {
      weights.push({ name: `${name}/${weight}`, shape: weightShape });
      params += weightShape.reduce((a, b) => a * b, 1);
    }
    if (params > TOPOLOGY_LIMITS.params) {
      fail(
        where,
        className,
        `brings the model to ${params} weights, more than ${TOPOLOGY_LIMITS.params}`,
      );
    }
    shape = out.shape;
  });
  return { inputShape: inputShapeOf(layers), weights, params };
}

// ---------------------------------------------------------------- layers

interface LayerOutput {
  shape: number[];
  weights: [string, number[]][];
}

type LayerCheck = (s: Settings, input: number[]) => LayerOutput;

const LAYER_CHECKS: Record<string, LayerCheck> = {
  InputLayer(s, input) {
    s.optional("sparse", (key) => s.oneOf(key, [false]));
    if (s.where !== "layers[0].config") {
      s.fail("class_name", "InputLayer", "must be the first layer");
    }
    return { shape: input, weights: [] };
  },
  Conv2D(s, input) {
    const [rows, cols, channels] = s.spatial(input);
    const filters = s.integer("filters", 1, TOPOLOGY_LIMITS.units);
    const [kh, kw] = s.window("kernel_size", rows, cols);
    const [sh, sw] = s.pairOf("strides", 1, TOPOLOGY_LIMITS.strides, [1, 1]);
    const padding = s.padding();
    s.optional("data_format", (key) => s.oneOf(key, ["channels_last"]));
    s.optional("dilation_rate", (key) => s.pairOf(key, 1, 1, [1, 1]));
    const useBias = s.kernelSettings();
    return {
      shape: [...pooled(padding, [rows, cols], [kh, kw], [sh, sw]), filters],
      weights: [["kernel", [kh, kw, channels, filters]], ...bias(useBias, filters)],
    };
  },
  MaxPooling2D(s, input) {
    const [rows, cols, channels] = s.spatial(input);
    const pool = s.window("pool_size", rows, cols);
    // TensorFlow.js saves `strides: null` for "the pool size".
    const strides = s.get("strides") == null
      ? pool
      : s.pairOf("strides", 1, TOPOLOGY_LIMITS.strides, pool);
    const padding = s.padding();
    s.optional("data_format", (key) => s.oneOf(key, ["channels_last"]));
    return { shape: [...pooled(padding, [rows, cols], pool, strides), channels], weights: [] };
  },
  GlobalAveragePooling2D(s, input) {
    const [, , channels] = s.spatial(input);
    s.optional("data_format", (key) => s.oneOf(key, ["channels_last"]));
    return { shape: [channels], weights: [] };
  },
  BatchNormalization(s, input) {
    const channels = input[input.length - 1];
    s.optional("axis", (key) => s.oneOf(key, [-1, input.length]));
    s.optional("momentum", (key) => s.number(key, 0, 1));
    s.optional("epsilon", (key) => s.number(key, 0, 1, { openMin: true }));
    const center = s.has("center") ? s.boolean("center") : true;
    const scale = s.has("scale") ? s.boolean("scale") : true;
    for (const w of ["beta", "gamma", "moving_mean", "moving_variance"]) {
      s.optional(`${w}_initializer`, (key) => s.initializer(key));
    }
    for (const w of ["beta", "gamma"]) {
      s.nullable(`${w}_regularizer`);
      s.nullable(`${w}_constraint`);
    }
    const weights: [string, number[]][] = [];
    if (scale) weights.push(["gamma", [channels]]);
    if (center) weights.push(["beta", [channels]]);
    weights.push(["moving_mean", [channels]], ["moving_variance", [channels]]);
    return { shape: input, weights };
  },
  Dropout(s, input) {
    s.number("rate", 0, 1, { openMax: true });
    s.nullable("noise_shape");
    s.optional("seed", (key) => s.get(key) === null ? null : s.integer(key, 0, 2 ** 53));
    return { shape: input, weights: [] };
  },
  Flatten(s, input) {
    s.optional("data_format", (key) => s.oneOf(key, ["channels_last"]));
    return { shape: [input.reduce((a, b) => a * b, 1)], weights: [] };
  },
  Dense(s, input) {
    if (input.length !== 1) s.fail("", `[${input}]`, "is not a flat input (add Flatten first)");
    const units = s.integer("units", 1, TOPOLOGY_LIMITS.units);
    const useBias = s.kernelSettings();
    return { shape: [units], weights: [["kernel", [input[0], units]], ...bias(useBias, units)] };
  },
};

function bias(useBias: boolean, size: number): [string, number[]][] {
  return useBias ? [["bias", [size]]] : [];
}

/** Output rows and columns of a convolution or pooling window. */
function pooled(
  padding: string,
  [rows, cols]: number[],
  [kh, kw]: number[],
  [sh, sw]: number[],
): [number, number] {
  return padding === "same"
    ? [Math.ceil(rows / sh), Math.ceil(cols / sw)]
    : [Math.floor((rows - kh) / sh) + 1, Math.floor((cols - kw) / sw) + 1];
}

// -------------------------------------------------------------- settings

/** Reads one layer's `config`, checking each setting, and refuses the ones no check read. */
class Settings {
  readonly where: string;
  #config: Record<string, unknown>;
  #className: string;
  #read = new Set<string>();

  constructor(where: string, config: unknown, className: string) {
    if (!isObject(config)) fail(where, config, "is not an object");
    this.where = where;
    this.#config = config;
    this.#className = className;
  }

  fail(key: string, value: unknown, why: string): never {
    fail(
      key === "" ? this.where.replace(/\.config$/, " input") : `${this.where}.${key}`,
      value,
      why,
    );
  }

  has(key: string): boolean {
    return Object.hasOwn(this.#config, key) && this.#config[key] !== undefined;
  }

  get(key: string): unknown {
    this.#read.add(key);
    return Object.hasOwn(this.#config, key) ? this.#config[key] : undefined;
  }

  optional<T>(key: string, check: (key: string) => T): T | undefined {
    this.#read.add(key);
    return this.has(key) ? check(key) : undefined;
  }

  done(): void {
    for (const key of Object.keys(this.#config)) {
      if (!this.#read.has(key)) {
        this.fail(key, this.#config[key], `is not a setting of ${this.#className}`);
      }
    }
  }

  string(key: string): string {
    const value = this.get(key);
    if (typeof value !== "string" || !/^[\w.\-]{1,200}$/.test(value)) {
      this.fail(key, value, "must be a name of letters, digits, _ . or -");
    }
    return value;
  }

  boolean(key: string): boolean {
    const value = this.get(key);
    if (typeof value !== "boolean") this.fail(key, value, "must be true or false");
    return value;
  }

  oneOf<T>(key: string, allowed: readonly T[]): T {
    const value = this.get(key) as T;
    if (!allowed.includes(value)) {
      this.fail(key, value, `must be ${allowed.map((a) => JSON.stringify(a)).join(" or ")}`);
    }
    return value;
  }

  nullable(key: string): void {
    const value = this.get(key);
    if (value !== null && value !== undefined) {
      this.fail(key, value, "must be null (Digit Lab's models have none)");
    }
  }

  number(
    key: string,
    min: number,
    max: number,
    open: { openMin?: boolean; openMax?: boolean } = {},
  ): number {
    const value = this.get(key);
    if (typeof value !== "number" || !Number.isFinite(value)) {
      this.fail(key, value, "must be a number");
    }
    if (
      value < min || value > max || (open.openMin && value === min) ||
      (open.openMax && value === max)
    ) {
      this.fail(
        key,
        value,
        `must be in ${open.openMin ? "(" : "["}${min}, ${max}${open.openMax ? ")" : "]"}`,
      );
    }
    return value;
  }

  integer(key: string, min: number, max: number, value = this.get(key)): number {
    if (typeof value !== "number" || !Number.isInteger(value)) {
      this.fail(key, this.get(key), "must be an integer");
    }
    if (value > max) this.fail(key, this.get(key), `exceeds ${max}`);
    if (value < min) this.fail(key, this.get(key), `is less than ${min}`);
    return value;
  }

  /** A size given as `n` or `[rows, cols]`, each in `[min, max]`. */
  pairOf(key: string, min: number, max: number, fallback: number[]): number[] {
    const value = this.get(key);
    if (value === undefined) return fallback;
    const pair = typeof value === "number" ? [value, value] : value;
    if (!Array.isArray(pair) || pair.length !== 2) {
      this.fail(key, value, "must be an integer or a pair of them");
    }
    return pair.map((n) => this.integer(key, min, max, n));
  }

  /** A kernel or pool size, which must fit in its `rows` x `cols` input. */
  window(key: string, rows: number, cols: number): number[] {
    const [h, w] = this.pairOf(key, 1, Number.MAX_SAFE_INTEGER, []);
    if (h === undefined) this.fail(key, undefined, "is missing");
    if (h > rows || w > cols) {
      this.fail(key, this.get(key), `is larger than its ${rows}x${cols} input`);
    }
    return [h, w];
  }

  padding(): string {
    return this.has("padding")
      ? this.oneOf("padding", ["valid", "same"])
      : (this.get("padding"), "valid");
  }

  spatial(input: number[]): number[] {
    if (input.length !== 3) {
      this.fail("", `[${input}]`, "is not [rows, cols, channels] (put it before Flatten)");
    }
    return input;
  }

  /** The settings shared by Dense and Conv2D; returns `use_bias`. */
  kernelSettings(): boolean {
    for (const key of KERNEL_SETTINGS) this.#read.add(key);
    if (this.has("activation") && !ACTIVATIONS.has(this.#config.activation as string)) {
      this.fail(
        "activation",
        this.#config.activation,
        `is not one of ${[...ACTIVATIONS].join(", ")}`,
      );
    }
    this.optional("kernel_initializer", (key) => this.initializer(key));
    this.optional("bias_initializer", (key) => this.initializer(key));
    for (const key of KERNEL_SETTINGS.filter((k) => /_(regularizer|constraint)$/.test(k))) {
      this.nullable(key);
    }
    return this.has("use_bias") ? this.boolean("use_bias") : true;
  }

  /** An initialiser of a class in {@linkcode INITIALIZERS} whose numbers are finite. */
  initializer(key: string): void {
    const value = this.get(key);
    if (value === null) return;
    if (!isObject(value) || !INITIALIZERS.has(value.class_name as string)) {
      this.fail(
        `${key}.class_name`,
        isObject(value) ? value.class_name : value,
        `is not one of ${[...INITIALIZERS].join(", ")}`,
      );
    }
    const config = value.config ?? {};
    if (!isObject(config)) this.fail(`${key}.config`, config, "is not an object");
    for (const [field, v] of Object.entries(config)) {
      const ok = v === null || typeof v === "string" && v.length <= 32 ||
        typeof v === "number" && Number.isFinite(v) && (field !== "seed" || Number.isInteger(v));
      if (!ok) {
        this.fail(`${key}.config.${field}`, v, "must be a finite number, a short string or null");
      }
    }
  }

  /** The first layer's `batch_input_shape`: `[null, n]` or `[null, rows, cols, channels]`. */
  inputShape(): number[] {
    const value = this.get("batch_input_shape");
    if (value === undefined) {
      this.fail("batch_input_shape", value, "is missing (the first layer gives the input shape)");
    }
    const ok = Array.isArray(value) && (value.length === 2 || value.length === 4) &&
      value[0] === null && value.slice(1).every((d) => Number.isInteger(d) && d >= 1);
    if (!ok) {
      this.fail(
        "batch_input_shape",
        value,
        "must be [null, n] or [null, rows, cols, channels] of positive integers",
      );
    }
    return value.slice(1) as number[];
  }
}

// ---------------------------------------------------------------- helpers

/** The layer list of a Sequential topology (possibly wrapped in `model_config`). */
function layerList(topology: unknown): unknown[] {
  if (!isObject(topology)) fail("modelTopology", topology, "is not an object");
  const wrapped = isObject(topology.model_config);
  const model = wrapped ? topology.model_config as Record<string, unknown> : topology;
  const where = wrapped ? "modelTopology.model_config" : "modelTopology";
  if (model.class_name !== "Sequential") {
    fail(
      `${where}.class_name`,
      model.class_name,
      `is not "Sequential" (the only model Digit Lab builds)`,
    );
  }
  const config = model.config;
  const layers = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
  if (!Array.isArray(layers) || layers.length === 0) {
    fail(`${where}.config.layers`, layers, "must be a non-empty list");
  }
  if (layers.length > TOPOLOGY_LIMITS.layers) {
    fail(
      `${where}.config.layers`,
      `(${layers.length} layers)`,
      `has more than ${TOPOLOGY_LIMITS.layers}`,
    );
  }
  return layers;
}

function inputShapeOf(layers: unknown[]): number[] {
  const first = layers[0] as { config: { batch_input_shape: (number | null)[] } };
  return first.config.batch_input_shape.slice(1) as number[];
}

function fail(field: string, value: unknown, why: string): never {
  throw new ModelLoadError(`${field} = ${show(value)} ${why}`);
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
