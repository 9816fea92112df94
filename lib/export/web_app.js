// The static page's script (`app.js` of a `web` export): the drawing pad,
// the normalisation of `preprocess.js` (the project's own, bundled) and the
// model through TensorFlow.js on its WASM backend. Every file it loads is in
// its own folder; nothing is fetched from anywhere else.
/* global tf */

// A computed specifier, so that `deno check lib/` does not look for
// preprocess.js next to this file in lib/ (it exists only in an export).
const { normalizeImage } = await import(new URL("./preprocess.js", import.meta.url).href);

const $ = (id) => document.getElementById(id);

/**
 * The canvas as the 28x28 model input: luminance exactly as the project's
 * decoder computes it from the PNG the server page uploads (Rec. 601 weights,
 * alpha composited onto white; see toLuminance in lib/image/decode.ts), then
 * the project's normalizeImage.
 */
export function canvasInput(canvas) {
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const { data, width, height } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  const gray = new Float32Array(width * height);
  for (let i = 0, p = 0; i < gray.length; i++, p += 4) {
    const y = 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
    const a = data[p + 3] / 255;
    gray[i] = (a * y) / 255 + (1 - a);
  }
  return normalizeImage({ width, height, data: gray });
}

/** The model's 10 probabilities for 784 ink values (no tensor outlives the call). */
export function classify(model, pixels) {
  return Array.from(tf.tidy(() => model.predict(tf.tensor4d(pixels, [1, 28, 28, 1])).dataSync()));
}

/** Loads TF.js's WASM backend from this folder (the CPU backend if WASM fails) and the model. */
async function loadModel() {
  const here = new URL("./", import.meta.url).href;
  // The threaded WASM build needs cross-origin isolation (COOP/COEP headers),
  // which a plain static host does not send; one 28x28 digit takes a few
  // milliseconds on one thread, so the export ships only the one-thread builds.
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  tf.wasm.setWasmPaths(here);
  if (!(await tf.setBackend("wasm"))) await tf.setBackend("cpu");
  await tf.ready();
  const model = await tf.loadLayersModel(new URL("model.json", here).href);
  const shape = model.inputs[0].shape;
  if (shape.length !== 4 || shape[1] !== 28 || shape[2] !== 28 || shape[3] !== 1) {
    throw new Error(`the model takes ${JSON.stringify(shape)}, not [null, 28, 28, 1]`);
  }
  return model;
}

function percent(p) {
  if (p >= 0.9995) return p < 1 ? ">99.9%" : "100%";
  if (p > 0 && p < 0.001) return "<0.1%";
  return (p * 100).toFixed(p >= 0.1 && p < 0.995 ? 0 : 1) + "%";
}

function start() {
  const pad = $("pad"), ctx = pad.getContext("2d", { willReadFrequently: true });
  const pen = $("pen"), result = $("result"), seen = $("input-canvas").getContext("2d");
  const bars = [], pcts = [];
  let model = null, drawing = false, last = null, hasInk = false, timer = 0;

  for (let d = 0; d < 10; d++) {
    const col = document.createElement("div");
    col.className = "col";
    col.innerHTML = '<div class="pct"></div><div class="track"><div class="bar"></div></div>' +
      '<div class="label">' + d + "</div>";
    bars.push(col.querySelector(".bar"));
    pcts.push(col.querySelector(".pct"));
    $("bars").append(col);
  }

  function setBusy() {
    result.setAttribute("aria-busy", String(model === null || timer !== 0));
  }

  function show(state, big, headline, details) {
    result.dataset.state = state;
    $("digit").textContent = big;
    $("confidence").textContent = headline;
    $("details").textContent = details;
    $("status").textContent = "";
  }

  function setBars(probabilities) {
    const best = probabilities ? probabilities.indexOf(Math.max(...probabilities)) : -1;
    for (let d = 0; d < 10; d++) {
      const p = probabilities ? probabilities[d] : 0;
      bars[d].style.height = (p * 100).toFixed(1) + "%";
      bars[d].classList.toggle("top", d === best);
      bars[d].dataset.p = String(p);
      pcts[d].textContent = p >= 0.01 ? percent(p) : "";
    }
  }

  function setSeen(pixels) {
    const img = seen.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      const v = pixels ? Math.round(pixels[i] * 255) : 0;
      img.data.set([v, v, v, 255], 4 * i);
    }
    seen.putImageData(img, 0, 0);
  }

  function predict() {
    setBusy();
    if (model === null || !hasInk) return;
    const input = canvasInput(pad);
    setSeen(input.pixels);
    if (!input.inkFound) {
      show("empty", "–", "No digit found", "Draw a bigger or darker digit.");
      setBars(null);
    } else {
      const p = classify(model, input.pixels);
      const order = p.map((v, d) => [v, d]).sort((a, b) => b[0] - a[0]);
      const others = order.slice(1, 3).map(([v, d]) => d + " (" + percent(v) + ")");
      show(
        "digit",
        String(order[0][1]),
        percent(order[0][0]) + " confident",
        "next: " + others.join(", "),
      );
      setBars(p);
    }
    result.dataset.predictions = String(Number(result.dataset.predictions) + 1);
  }

  /** Live but throttled: at most one reading every 120 ms while drawing. */
  function schedule() {
    if (timer) return;
    timer = setTimeout(() => {
      timer = 0;
      predict();
    }, 120);
    setBusy();
  }

  function blank() {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, pad.width, pad.height);
    hasInk = false;
    $("hint").hidden = false;
  }

  function point(e) {
    const r = pad.getBoundingClientRect();
    return {
      x: (e.clientX - r.left) * pad.width / r.width,
      y: (e.clientY - r.top) * pad.height / r.height,
    };
  }

  function stroke(from, to) {
    ctx.strokeStyle = "#111";
    ctx.lineWidth = Number(pen.value);
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
  }

  pad.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    pad.setPointerCapture(e.pointerId);
    drawing = true;
    last = point(e);
    stroke(last, last);
    hasInk = true;
    $("hint").hidden = true;
    schedule();
  });
  pad.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
    for (const ev of events.length ? events : [e]) {
      const p = point(ev);
      stroke(last, p);
      last = p;
    }
    schedule();
  });
  for (const type of ["pointerup", "pointercancel"]) {
    pad.addEventListener(type, () => {
      if (!drawing) return;
      drawing = false;
      clearTimeout(timer);
      timer = 0;
      predict();
    });
  }

  function reset() {
    clearTimeout(timer);
    timer = 0;
    blank();
    if (model !== null) show("idle", "–", "No digit found", "Draw one in the box.");
    result.dataset.predictions = "0";
    setBars(null);
    setSeen(null);
    setBusy();
  }

  pen.addEventListener("input", () => $("pen-value").textContent = pen.value);
  $("clear").addEventListener("click", reset);
  reset();

  loadModel().then((loaded) => {
    model = loaded;
    $("backend").textContent = `TensorFlow.js ${tf.version.tfjs} on ${tf.getBackend()}`;
    document.body.dataset.ready = "true";
    show("idle", "–", "No digit found", "Draw one in the box.");
    predict(); // whatever was drawn while the model loaded
  }, (e) => {
    result.dataset.state = "error";
    $("confidence").textContent = "The model did not load";
    $("details").textContent = "";
    $("status").textContent = String(e && e.message || e);
    document.body.dataset.ready = "false";
  });
}

start();
