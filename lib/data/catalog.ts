/**
 * Known datasets: where to download their files and the SHA-256 each file
 * must have.
 *
 * Checksums are the ones published in TensorFlow Datasets'
 * `tensorflow_datasets/url_checksums/{mnist,fashion_mnist,kmnist,emnist}.txt`
 * (together with the byte sizes listed here) and agree with torchvision's
 * MNIST mirror config and, for MNIST, with the files checked by MD5 against
 * the original distribution.
 *
 * EMNIST is published only as one 562 MB archive, NIST's `gzip.zip`, whose
 * members are gzipped IDX files (`gzip/emnist-digits-train-images-idx3-ubyte.gz`,
 * ...): its entry lists that one file, with the role `"archive"`, and
 * `emnist.ts` reads the members straight from it.
 *
 * @module
 */

import { InvalidArgumentError } from "../core/mod.ts";

/** Which of the four IDX files of a dataset a file is. */
export type IdxFileRole = "trainImages" | "trainLabels" | "testImages" | "testLabels";

/** What a downloaded file is: one of four IDX files, or an archive holding a whole dataset. */
export type CatalogFileRole = IdxFileRole | "archive";

/** One downloadable file of a dataset. */
export interface CatalogFile {
  /** The file's place in the dataset. */
  role: CatalogFileRole;
  /** File name, appended to each mirror URL and used on disk. */
  name: string;
  /** Size in bytes of the published file. */
  bytes: number;
  /** Lower-case hex SHA-256 of the published file. */
  sha256: string;
}

/** A dataset that can be downloaded. */
export interface CatalogEntry {
  /** Name used on the command line and as the `data/<name>` directory. */
  name: string;
  /** One line about the dataset. */
  description: string;
  /** Project home page. */
  homepage: string;
  /** Base URLs ending in `/`, tried in order until one serves a file with the right checksum. */
  mirrors: string[];
  /** Train images, train labels, test images, test labels; or one archive. */
  files: CatalogFile[];
}

function files(
  names: [string, string, string, string],
  bytes: [number, number, number, number],
  sha256: [string, string, string, string],
): CatalogFile[] {
  const roles: IdxFileRole[] = ["trainImages", "trainLabels", "testImages", "testLabels"];
  return roles.map((role, i) => ({ role, name: names[i], bytes: bytes[i], sha256: sha256[i] }));
}

const STANDARD_NAMES: [string, string, string, string] = [
  "train-images-idx3-ubyte.gz",
  "train-labels-idx1-ubyte.gz",
  "t10k-images-idx3-ubyte.gz",
  "t10k-labels-idx1-ubyte.gz",
];

/**
 * Every dataset Digit Lab knows how to download, by name.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { CATALOG } from "./catalog.ts";
 * assertEquals(Object.keys(CATALOG), ["mnist", "fashion-mnist", "kmnist", "emnist"]);
 * for (const entry of Object.values(CATALOG)) {
 *   const roles = entry.files.map((f) => f.role).join();
 *   assert(roles === "trainImages,trainLabels,testImages,testLabels" || roles === "archive");
 *   assert(entry.mirrors.every((m) => m.endsWith("/")));
 * }
 * ```
 */
export const CATALOG: Readonly<Record<string, CatalogEntry>> = {
  "mnist": {
    name: "mnist",
    description: "MNIST handwritten digits (LeCun, Cortes, Burges): 60,000 train, 10,000 test",
    homepage: "http://yann.lecun.com/exdb/mnist/",
    mirrors: [
      // PyTorch's mirror, the one torchvision tries first.
      "https://ossci-datasets.s3.amazonaws.com/mnist/",
      // Google's mirror, used by TensorFlow Datasets.
      "https://storage.googleapis.com/cvdf-datasets/mnist/",
      // The original location; often refuses or rate-limits downloads today.
      "http://yann.lecun.com/exdb/mnist/",
    ],
    files: files(STANDARD_NAMES, [9912422, 28881, 1648877, 4542], [
      "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
      "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
      "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
      "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    ]),
  },
  "fashion-mnist": {
    name: "fashion-mnist",
    description: "Fashion-MNIST clothing images (Zalando Research): 60,000 train, 10,000 test",
    homepage: "https://github.com/zalandoresearch/fashion-mnist",
    mirrors: [
      // The authors' download location.
      "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
      // The same files committed to the authors' GitHub repository.
      "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ],
    files: files(STANDARD_NAMES, [26421880, 29515, 4422102, 5148], [
      "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
      "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
      "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
      "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    ]),
  },
  "kmnist": {
    name: "kmnist",
    description: "Kuzushiji-MNIST cursive Japanese characters (ROIS-DS CODH): 60,000 train, " +
      "10,000 test",
    homepage: "https://github.com/rois-codh/kmnist",
    mirrors: [
      "https://codh.rois.ac.jp/kmnist/dataset/kmnist/",
      "http://codh.rois.ac.jp/kmnist/dataset/kmnist/",
    ],
    files: files(STANDARD_NAMES, [18165135, 29497, 3041136, 5120], [
      "51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4",
      "e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17",
      "edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5",
      "20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c",
    ]),
  },
  "emnist": {
    name: "emnist",
    description: "EMNIST (Cohen et al., NIST SD 19) archive: emnist-digits 240,000 + 40,000, " +
      "emnist-letters 88,800 + 14,800",
    homepage: "https://www.nist.gov/itl/products-and-services/emnist-dataset",
    mirrors: [
      // NIST's current location, the one torchvision downloads (and checks by MD5
      // 58c8d27c78d21e728a6bc7b3cc06412e).
      "https://biometrics.nist.gov/cs_links/EMNIST/",
      // NIST's older location, the one TensorFlow Datasets lists with this size and SHA-256.
      "https://www.itl.nist.gov/iaui/vip/cs_links/EMNIST/",
    ],
    files: [{
      role: "archive",
      name: "gzip.zip",
      bytes: 561753746,
      sha256: "fb9bb67e33772a9cc0b895e4ecf36d2cf35be8b709693c3564cea2a019fcda8e",
    }],
  },
};

/**
 * The catalog entry called `name`.
 *
 * @throws {InvalidArgumentError} naming `name` and the known datasets.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { catalogEntry } from "./catalog.ts";
 * import { InvalidArgumentError } from "../core/errors.ts";
 * assertEquals(catalogEntry("kmnist").files[0].name, "train-images-idx3-ubyte.gz");
 * assertEquals(catalogEntry("emnist").files[0].name, "gzip.zip");
 * assertThrows(() => catalogEntry("cifar10"), InvalidArgumentError, 'unknown dataset "cifar10"');
 * ```
 */
export function catalogEntry(name: string): CatalogEntry {
  if (!Object.hasOwn(CATALOG, name)) {
    throw new InvalidArgumentError(
      `unknown dataset "${name}": known datasets are ${Object.keys(CATALOG).join(", ")}`,
    );
  }
  return CATALOG[name];
}
