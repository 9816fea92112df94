/**
 * Adam's update from a flat gradient in one pass per variable over plain
 * arrays. `tf.AdamOptimizer.applyGradients` runs about 12 kernels per
 * variable (1.5 ms of a 31 ms reference-CNN step and 4.4 ms of a 104 ms
 * strong-CNN step on 2 threads, all serial on the main thread); this runs
 * the same float32 operations element by element (on the WASM backend in
 * WASM SIMD, `kernels/adam_update.ts`; elsewhere in JavaScript), on the
 * optimiser's own state (its moment variables, `accBeta1`/`accBeta2` and
 * iteration count), so the result is bit-identical and the optimiser can
 * go on with `applyGradients`, `getWeights` or this, in any mix. The
 * update alone, tfjs / JavaScript / WASM SIMD: 1.5 / 0.60 / 0.21 ms for
 * the reference CNN (34,826 values), 3.2 / 2.8 / 0.48 ms for the strong
 * CNN (198,122 values), whose JavaScript loop is bound by 3 divisions and
 * a square root per value.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { BackendError, InvalidArgumentError } from "../../core/mod.ts";
import { type AdamScalars, adamUpdate } from "../../kernels/mod.ts";

/** One of the optimiser's moment variables, as tfjs keeps them. */
interface MomentSlot {
  originalName: string;
  variable: tf.Variable;
}

/**
 * The fields of tfjs-core 4.22's `AdamOptimizer` that its
 * `applyGradients` reads and writes (protected or private in its typings).
 */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: (MomentSlot | undefined)[];
  accumulatedSecondMoment: (MomentSlot | undefined)[];
  incrementIterations(): void;
}

/** float32 rounding: each operation below rounds as one float32 kernel does. */
const f32 = Math.fround;

/**
 * Whether `optimizer` is tfjs's Adam (its registered class name is "Adam"),
 * which {@linkcode applyFlatAdam} can apply.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals } from "@std/assert";
 * import { isAdam } from "./flat_adam.ts";
 * import { setupBackend } from "../../kernels/mod.ts";
 * await setupBackend();
 * assertEquals([isAdam(tf.train.adam(0.01)), isAdam(tf.train.sgd(0.01)), isAdam(undefined)], [
 *   true,
 *   false,
 *   false,
 * ]);
 * ```
 */
export function isAdam(optimizer: tf.Optimizer | null | undefined): optimizer is tf.AdamOptimizer {
  // Not `instanceof`: tfjs's Optimizer[Symbol.hasInstance] only looks for
  // minimize/computeGradients/applyGradients, so every optimizer passes it.
  return typeof optimizer?.getClassName === "function" && optimizer.getClassName() === "Adam";
}

/** The optimiser's state, checked to be tfjs-core 4.22's layout. */
function adamState(optimizer: tf.AdamOptimizer): AdamState {
  const state = optimizer as unknown as AdamState;
  if (
    !(state.accBeta1 instanceof tf.Variable) || !(state.accBeta2 instanceof tf.Variable) ||
    !Array.isArray(state.accumulatedFirstMoment) ||
    !Array.isArray(state.accumulatedSecondMoment) ||
    typeof state.incrementIterations !== "function"
  ) {
    throw new BackendError(
      `the optimizer ${optimizer.getClassName()} lacks tfjs-core 4.22's Adam state ` +
        `(accBeta1, accBeta2, accumulatedFirstMoment, accumulatedSecondMoment)`,
    );
  }
  return state;
}

/** The current backend when it is WASM (whose SIMD kernel runs the update). */
function wasmBackend(): BackendWasm | undefined {
  return tf.getBackend() === "wasm" ? tf.backend() as BackendWasm : undefined;
}

/**
 * One variable's update, element by element, with tfjs's operations in
 * tfjs's order, each rounded to float32 (a float64 result of +, -, *, / or
 * sqrt on float32 inputs rounds to the correctly rounded float32 result,
 * so this equals the float32 kernels bit for bit):
 * m' = m*b1 + g*(1-b1); v' = v*b2 + (g*g)*(1-b2);
 * w' = ((m'/(1-acc1)) / (sqrt(v'/(1-acc2)) + eps)) * (-rate) + w.
 */
function adamPass(
  g: Float32Array,
  m: tf.TypedArray,
  v: tf.TypedArray,
  w: tf.TypedArray,
  outM: Float32Array,
  outV: Float32Array,
  outW: Float32Array,
  s: AdamScalars,
): void {
  const { beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon, minusRate } = s;
  const { oneMinusAccBeta1, oneMinusAccBeta2 } = s;
  for (let k = 0; k < g.length; k++) {
    const gk = g[k];
    const m1 = f32(f32(m[k] * beta1) + f32(gk * oneMinusBeta1));
    const v1 = f32(f32(v[k] * beta2) + f32(f32(gk * gk) * oneMinusBeta2));
    outM[k] = m1;
    outV[k] = v1;
    const mHat = f32(m1 / oneMinusAccBeta1);
    const vHat = f32(v1 / oneMinusAccBeta2);
    const step = f32(mHat / f32(f32(Math.sqrt(vHat)) + epsilon));
    outW[k] = f32(step * minusRate) + w[k]; // the store rounds the last sum
  }
}

/** Checks `grads` and the optimiser's moments against `variables` before anything changes. */
function checkInputs(state: AdamState, variables: readonly tf.Variable[], grads: Float32Array) {
  let size = 0;
  variables.forEach((v, i) => {
    if (v.dtype !== "float32") {
      throw new InvalidArgumentError(`variable ${v.name} is ${v.dtype}, Adam needs float32`);
    }
    for (const slot of [state.accumulatedFirstMoment[i], state.accumulatedSecondMoment[i]]) {
      if (slot !== undefined && !tf.util.arraysEqual(slot.variable.shape, v.shape)) {
        throw new InvalidArgumentError(
          `the optimizer's moment ${slot.originalName} has shape [${slot.variable.shape}], ` +
            `variable ${v.name} has [${v.shape}]`,
        );
      }
    }
    size += v.size;
  });
  if (grads.length !== size) {
    throw new InvalidArgumentError(
      `the variables hold ${size} values, got a gradient of ${grads.length}`,
    );
  }
}

/** The optimiser's moment slot `i` for `value`, created as tfjs creates it on first use. */
function momentSlot(
  slots: (MomentSlot | undefined)[],
  i: number,
  value: tf.Variable,
  suffix: string,
): tf.Variable {
  let slot = slots[i];
  if (slot === undefined) {
    slot = {
      originalName: `${value.name}/${suffix}`,
      variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
    };
    slots[i] = slot;
  }
  return slot.variable;
}

/**
 * Applies a flat gradient (the values of `variables` one after another, in
 * their order) with Adam's update, bit-identical to
 * `optimizer.applyGradients` with the same gradients named in that order:
 * the same moment variables (created on first use, index `i` for
 * `variables[i]`), `accBeta1`/`accBeta2` and iteration count move as
 * there, and the learning rate, betas and epsilon are read from the
 * optimiser at each call (a decayed `learningRate` applies). New values go
 * into new tensors that the variables are assigned (a clone of a weight
 * keeps its data). No tensor outlives the call but the moments it creates.
 *
 * @throws {InvalidArgumentError} when `grads` does not hold one value per
 *   variable value, a variable is not float32, or one of the optimiser's
 *   moments has another shape than its variable; nothing changes then.
 * @throws {BackendError} when `optimizer` lacks tfjs-core 4.22's Adam state.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { applyFlatAdam } from "./flat_adam.ts";
 * import { setupBackend } from "../../kernels/mod.ts";
 * await setupBackend();
 * const start = [tf.tensor2d([[1, 2], [3, 4]]), tf.tensor1d([5, 6])];
 * const [w1, b1, w2, b2] = [...start, ...start].map((t) => tf.variable(t));
 * const [ours, theirs] = [tf.train.adam(0.1), tf.train.adam(0.1)];
 * const grads = new Float32Array([0.5, -2, 0, 1e-3, 3, -0.25]);
 * applyFlatAdam(ours, [w1, b1], grads);
 * theirs.applyGradients([
 *   { name: w2.name, tensor: tf.tensor2d(grads.subarray(0, 4), [2, 2]) },
 *   { name: b2.name, tensor: tf.tensor1d(grads.subarray(4)) },
 * ]);
 * assertEquals(w1.dataSync(), w2.dataSync()); // bit for bit
 * assertEquals(b1.dataSync(), b2.dataSync());
 * assertEquals(ours.iterations, 1);
 * assertThrows(() => applyFlatAdam(ours, [w1, b1], new Float32Array(3)), Error, "gradient of 3");
 * [ours, theirs].forEach((o) => o.dispose());
 * tf.dispose([w1, b1, w2, b2, ...start]);
 * ```
 */
export function applyFlatAdam(
  optimizer: tf.AdamOptimizer,
  variables: readonly tf.Variable[],
  grads: Float32Array,
): void {
  const state = adamState(optimizer);
  checkInputs(state, variables, grads);
  const wasm = wasmBackend();
  tf.tidy(() => {
    const accBeta1 = state.accBeta1.dataSync()[0];
    const accBeta2 = state.accBeta2.dataSync()[0];
    const scalars: AdamScalars = {
      beta1: f32(state.beta1),
      beta2: f32(state.beta2),
      // tfjs computes 1 - beta and -learningRate in float64 before they become scalars.
      oneMinusBeta1: f32(1 - state.beta1),
      oneMinusBeta2: f32(1 - state.beta2),
      oneMinusAccBeta1: f32(1 - accBeta1),
      oneMinusAccBeta2: f32(1 - accBeta2),
      epsilon: f32(state.epsilon),
      minusRate: f32(-state.learningRate),
    };
    let offset = 0;
    variables.forEach((value, i) => {
      const first = momentSlot(state.accumulatedFirstMoment, i, value, "m");
      const second = momentSlot(state.accumulatedSecondMoment, i, value, "v");
      const g = grads.subarray(offset, offset + value.size);
      offset += value.size;
      const [newM, newV, newW] = wasm === undefined
        ? adamOnArrays(g, [first, second, value], scalars)
        // The same operations in WASM SIMD, four values at a time.
        : adamUpdate(wasm, { grads: g, m: first, v: second, weights: value }, scalars)
          .map((info) => tf.engine().makeTensorFromTensorInfo(info));
      first.assign(newM);
      second.assign(newV);
      value.assign(newW);
    });
    state.accBeta1.assign(tf.scalar(f32(accBeta1 * scalars.beta1)));
    state.accBeta2.assign(tf.scalar(f32(accBeta2 * scalars.beta2)));
  });
  state.incrementIterations();
}

/** New moments and weights from `adamPass` on arrays (backends other than WASM). */
function adamOnArrays(
  g: Float32Array,
  [m, v, w]: [tf.Tensor, tf.Tensor, tf.Tensor],
  scalars: AdamScalars,
): tf.Tensor[] {
  const [outM, outV, outW] = [0, 1, 2].map(() => new Float32Array(g.length));
  adamPass(g, m.dataSync(), v.dataSync(), w.dataSync(), outM, outV, outW, scalars);
  return [outM, outV, outW].map((values) => tf.tensor(values, w.shape));
}
