// icedit's page: pick or drop an image, submit an edit, follow it live (Server-Sent Events read
// with fetch, so that a bearer token can be sent), compare before and after, download, history.
// Plain JavaScript, no build step.

const $ = (id) => document.getElementById(id);
const form = $("edit-form");
const imageInput = $("image-input");
const dropZone = $("drop-zone");
const pickedPreview = $("picked-preview");
const dropHint = $("drop-hint");
const formError = $("form-error");
const submitButton = $("submit");
const jobPanel = $("job-panel");
const progressBar = $("progress");
const statusLine = $("status");
const cancelButton = $("cancel");
const result = $("result");
const sourceImage = $("source-image");
const resultImage = $("result-image");
const afterLayer = $("after-layer");
const divider = $("divider");
const compare = $("compare");
const download = $("download");
const recordBox = $("record");
const historyList = $("history");
const moreButton = $("more");
const tokenInput = $("token");
const selectionBox = $("noise-selection");
const selectionOn = $("selection-on");
const tournamentBox = $("tournament-box");
const tournamentList = $("tournament");
const winnerLine = $("winner");
const candidatesImage = $("candidates-image");

const TOKEN_KEY = "icedit.token";
let pickedFile = null;
let pickedUrl = null;
let currentJob = null; // { id, abort: AbortController }
let nextCursor = null;
const objectUrls = new Map(); // url path -> object URL (results never change, so they are cached)

// ---- the token (only needed when the server asks for one) ----
tokenInput.value = localStorage.getItem(TOKEN_KEY) ?? "";
tokenInput.addEventListener("change", () => {
  localStorage.setItem(TOKEN_KEY, tokenInput.value.trim());
  refreshHistory();
});

function api(path, init = {}) {
  const headers = new Headers(init.headers);
  const token = tokenInput.value.trim();
  if (token) headers.set("authorization", `Bearer ${token}`);
  return fetch(path, { ...init, headers });
}

async function errorMessage(response) {
  try {
    const body = await response.json();
    if (body?.error?.message) return body.error.message;
  } catch {
    // not JSON
  }
  return `the server answered ${response.status} ${response.statusText}`;
}

async function checkAuth(response) {
  if (response.status === 401) {
    $("token-box").open = true;
    tokenInput.focus();
  }
}

// An image the API serves, as an object URL (fetched with the token when there is one).
async function imageUrl(path) {
  const cached = objectUrls.get(path);
  if (cached) return cached;
  const response = await api(path);
  if (!response.ok) throw new Error(await errorMessage(response));
  const url = URL.createObjectURL(await response.blob());
  objectUrls.set(path, url);
  return url;
}

// ---- server status ----
const METHOD_NAMES = { icedit: "ICEdit (FLUX.1 Fill)", kontext: "FLUX.1 Kontext" };
const methodName = (method) => METHOD_NAMES[method] ?? method;
let serverMethod = null; // "icedit" or "kontext" (null: remote workers, not known here)

/**
 * The model's own width, guidance and true CFG scale (a demo trained at 64 px that edits with true
 * CFG 2.5; Kontext's guidance 2.5), into fields the person has not changed. A width of null
 * (Kontext) leaves the field empty: the edit keeps the size Kontext resizes the image to.
 */
function applyEditDefaults(defaults) {
  if (!defaults) return;
  for (const name of ["width", "guidance", "true_cfg_scale"]) {
    const input = $(name);
    if (defaults[name] !== undefined && input.value === input.defaultValue) {
      input.value = defaults[name] === null ? "" : String(defaults[name]);
      input.defaultValue = input.value;
    }
  }
}

/** What differs between the methods: Kontext's sizes (width and height, both optional). */
function applyMethod(method) {
  serverMethod = method;
  const kontext = method === "kontext";
  $("height-field").hidden = !kontext;
  $("true-cfg-field").hidden = kontext;
  $("width").placeholder = kontext ? "auto" : "";
  $("size-hint").textContent = kontext
    ? "FLUX.1 Kontext edits the image at the preferred size of its aspect ratio (about one megapixel) and keeps that size; give a width or height to change it."
    : "The edited image has this width; its height keeps the picture's aspect.";
}

async function checkServer() {
  const line = $("server-status");
  try {
    const response = await fetch("/healthz");
    const health = await response.json();
    const model = health.model ? `model ${health.model.spec}` : `${health.queue} queue`;
    const method = health.method ? ` · ${methodName(health.method)}` : "";
    line.textContent = `Server ${health.status === "ok" ? "ready" : "not ready"} · ${model}${method} · ${health.jobs.queued} waiting, ${health.jobs.running} running`;
    applyMethod(health.method ?? null);
    applyEditDefaults(health.edit_defaults);
    const selection = Boolean(health.noise_selection);
    selectionBox.disabled = !selection;
    $("selection-hint").textContent = selection
      ? "The judge compares the candidates' early previews two at a time; only the winner runs to the end."
      : "This server has no judge (its operator can add one with icedit serve --judge …).";
  } catch {
    line.textContent = "The server does not answer.";
  }
}

// ---- picking an image ----
function pick(file) {
  if (!file) return;
  if (!file.type.startsWith("image/") && file.type !== "") {
    showFormError(`${file.name} is not an image`);
    return;
  }
  pickedFile = file;
  if (pickedUrl) URL.revokeObjectURL(pickedUrl);
  pickedUrl = URL.createObjectURL(file);
  pickedPreview.src = pickedUrl;
  pickedPreview.alt = `Chosen image: ${file.name}`;
  pickedPreview.hidden = false;
  dropHint.textContent = `${file.name} (${Math.round(file.size / 1024)} KiB) — drop or choose another to replace it`;
  showFormError("");
}

imageInput.addEventListener("change", () => pick(imageInput.files?.[0]));
for (const type of ["dragenter", "dragover"]) {
  dropZone.addEventListener(type, (event) => {
    event.preventDefault();
    dropZone.classList.add("dragging");
  });
}
for (const type of ["dragleave", "drop"]) {
  dropZone.addEventListener(type, () => dropZone.classList.remove("dragging"));
}
dropZone.addEventListener("drop", (event) => {
  event.preventDefault();
  pick(event.dataTransfer?.files?.[0]);
});

$("dice").addEventListener("click", () => {
  const values = new Uint32Array(1);
  crypto.getRandomValues(values);
  $("seed").value = String(values[0]);
});

function showFormError(message) {
  formError.textContent = message;
  formError.hidden = message === "";
}

// ---- submitting ----
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const instruction = $("instruction").value.trim();
  if (!pickedFile) return showFormError("Choose an image first.");
  if (!instruction) {
    $("instruction").focus();
    return showFormError("Say what to change, e.g. “make the sky green”.");
  }
  showFormError("");
  const body = new FormData();
  body.append("image", pickedFile, pickedFile.name || "image");
  body.append("instruction", instruction);
  const fields =
    serverMethod === "kontext"
      ? ["seed", "steps", "guidance", "width", "height"]
      : ["seed", "steps", "guidance", "true_cfg_scale", "width"];
  for (const name of fields) {
    const value = $(name).value.trim();
    // True CFG left as shown: the model decides (remote workers' models may set their own).
    if (name === "true_cfg_scale" && value === $(name).defaultValue) continue;
    if (value !== "") body.append(name, value);
  }
  if (!selectionBox.disabled && selectionOn.checked) {
    body.append("candidates", $("candidates").value.trim());
    const early = $("early-steps").value.trim();
    if (early !== "") body.append("early_steps", early);
    if ($("judge-fallback").checked) body.append("judge_fallback", "first-seed");
  }
  submitButton.disabled = true;
  try {
    const response = await api("/v1/edits", { method: "POST", body });
    if (!response.ok) {
      await checkAuth(response);
      const retry = response.headers.get("retry-after");
      showFormError((await errorMessage(response)) + (retry ? ` (retry in ${retry} s)` : ""));
      return;
    }
    const job = await response.json();
    showJob(job, pickedUrl);
    refreshHistory();
  } catch (error) {
    showFormError(`The request failed: ${error.message}`);
  } finally {
    submitButton.disabled = false;
  }
});

// ---- following a job ----
function setProgress(fraction, text) {
  if (fraction === null) progressBar.removeAttribute("value");
  else progressBar.value = fraction;
  statusLine.textContent = text;
}

async function showJob(job, localSourceUrl) {
  currentJob?.abort.abort();
  const abort = new AbortController();
  currentJob = { id: job.id, abort };
  jobPanel.hidden = false;
  result.hidden = true;
  const steps = job.params.steps ?? job.record?.steps;
  const method = job.method ? ` · ${methodName(job.method)}` : "";
  $("job-instruction").textContent = `“${job.params.instruction}” · seed ${job.params.seed}${steps ? ` · ${steps} steps` : ""}${method}`;
  cancelButton.hidden = false;
  cancelButton.disabled = false;
  tournamentList.replaceChildren();
  winnerLine.textContent = "";
  candidatesImage.hidden = true;
  tournamentBox.hidden = !job.params.selection;
  sourceImage.src = localSourceUrl ?? (await imageUrl(job.urls.source).catch(() => ""));
  render(job);
  if (["done", "failed", "cancelled"].includes(job.status)) return;
  follow(job.id, abort.signal);
}

function render(job) {
  switch (job.status) {
    case "queued":
      setProgress(0, job.queue_position ? `Waiting: ${job.queue_position} job(s) ahead` : "Waiting to start");
      break;
    case "running":
      setProgress(null, "Running");
      break;
    case "done":
      finishDone(job);
      break;
    case "failed":
      cancelButton.hidden = true;
      setProgress(0, `Failed: ${job.error?.message ?? "unknown reason"}`);
      break;
    case "cancelled":
      cancelButton.hidden = true;
      setProgress(0, "Cancelled");
      break;
  }
}

const STAGES = {
  resize: "Resizing",
  text: "Reading the instruction",
  prepare: "Preparing the image",
  denoise: "Editing",
  decode: "Decoding",
  probe: "Reaching the judge",
  early: "Early steps of every candidate",
  preview: "Previews of the candidates",
  compare: "The judge compares",
  winner: "Winner chosen",
  continue: "Finishing the winner",
};
const STEPPED = new Set(["denoise", "early", "preview", "compare", "continue"]);

function onEvent(type, data) {
  switch (type) {
    case "queued":
      setProgress(0, data.queue_position ? `Waiting: ${data.queue_position} job(s) ahead` : "Waiting to start");
      break;
    case "started":
      setProgress(null, data.attempt > 1 ? `Started again (attempt ${data.attempt})` : "Started");
      break;
    case "progress": {
      const stage = STAGES[data.stage] ?? data.stage;
      if (STEPPED.has(data.stage)) setProgress(data.steps ? data.step / data.steps : null, `${stage}: step ${data.step} of ${data.steps}`);
      else setProgress(null, `${stage}…`);
      break;
    }
    case "requeued":
      setProgress(0, `Back in the queue: ${data.reason}`);
      break;
    case "warning":
      statusLine.textContent = `Warning: ${data.message}`;
      break;
    case "comparison": {
      const item = document.createElement("li");
      const verdict = data.choice === 2 ? `seed ${data.b} wins` : data.choice === 1 ? `seed ${data.a} stays` : "a tie: the first stays";
      item.textContent = `seed ${data.a} vs seed ${data.b}: ${verdict}`;
      tournamentList.append(item);
      break;
    }
    case "winner":
      winnerLine.textContent = `Winner: seed ${data.seed}`;
      break;
    case "done":
    case "failed":
    case "cancelled":
      render(data);
      refreshHistory();
      return true;
  }
  return false;
}

// Server-Sent Events over fetch (EventSource cannot send a token). Reconnects until the job ends;
// the server sends the current state first on every connection.
async function follow(id, signal) {
  while (!signal.aborted) {
    try {
      const response = await api(`/v1/edits/${id}/events`, { signal, headers: { accept: "text/event-stream" } });
      if (!response.ok) {
        await checkAuth(response);
        setProgress(0, await errorMessage(response));
        return;
      }
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let type = "message";
          const data = [];
          for (const line of block.split("\n")) {
            if (line.startsWith("event:")) type = line.slice(6).trim();
            else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
          }
          if (data.length > 0 && onEvent(type, JSON.parse(data.join("\n")))) return;
        }
      }
    } catch (error) {
      if (signal.aborted) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

cancelButton.addEventListener("click", async () => {
  if (!currentJob) return;
  cancelButton.disabled = true;
  const response = await api(`/v1/edits/${currentJob.id}`, { method: "DELETE" });
  if (!response.ok && response.status !== 409) statusLine.textContent = await errorMessage(response);
  else if (response.status === 202) statusLine.textContent = "Stopping after the current step…";
});

async function finishDone(job) {
  cancelButton.hidden = true;
  setProgress(1, `Done in ${((job.record?.timings?.totalMs ?? 0) / 1000).toFixed(1)} s`);
  try {
    resultImage.src = await imageUrl(job.urls.image);
  } catch (error) {
    statusLine.textContent = `The result could not be loaded: ${error.message}`;
    return;
  }
  const { width, height } = job.record?.output ?? { width: 512, height: 512 };
  $("compare-box").style.aspectRatio = `${width} / ${height}`;
  download.href = resultImage.src;
  download.download = `${job.id}.png`;
  recordBox.textContent = JSON.stringify(job.record, null, 2);
  if (job.urls.candidates) {
    const tournament = job.record?.tournament;
    if (tournament && tournamentList.children.length === 0) {
      for (const c of tournament.comparisons) onEvent("comparison", c);
    }
    if (tournament)
      winnerLine.textContent = `Winner: seed ${tournament.winner} of ${tournament.candidates.length} (seeds ${tournament.candidates.join(", ")})`;
    candidatesImage.src = await imageUrl(job.urls.candidates).catch(() => "");
    candidatesImage.hidden = false;
  }
  result.hidden = false;
  updateCompare();
}

// ---- the before/after slider: the edited image covers the part right of the line ----
function updateCompare() {
  const value = Number(compare.value);
  afterLayer.style.clipPath = `inset(0 0 0 ${value}%)`;
  divider.style.left = `${value}%`;
  compare.setAttribute("aria-valuetext", `${value}% before, ${100 - value}% after`);
}
compare.addEventListener("input", updateCompare);

// ---- history ----
function describe(job) {
  const when = new Date(job.created_at).toLocaleString();
  const state = job.status === "failed" ? `failed: ${job.error?.message ?? ""}` : job.status;
  return { when, state };
}

function historyItem(job) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "history-item";
  const thumb = document.createElement("img");
  thumb.alt = "";
  thumb.width = 64;
  thumb.height = 64;
  if (job.status === "done")
    imageUrl(job.urls.image).then(
      (url) => (thumb.src = url),
      () => undefined,
    );
  const text = document.createElement("span");
  const { when, state } = describe(job);
  const title = document.createElement("strong");
  title.textContent = job.params.instruction;
  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = `${state} · ${when} · seed ${job.params.seed}`;
  text.append(title, meta);
  button.append(thumb, text);
  button.setAttribute("aria-label", `${job.params.instruction}: ${state}, ${when}`);
  button.addEventListener("click", async () => {
    const response = await api(`/v1/edits/${job.id}`);
    if (response.ok) {
      await showJob(await response.json());
      jobPanel.scrollIntoView({ behavior: "smooth" });
      $("job-title").focus?.();
    }
  });
  item.append(button);
  return item;
}

async function loadHistory(append) {
  const query = new URLSearchParams({ limit: "20" });
  if (append && nextCursor) query.set("cursor", nextCursor);
  const response = await api(`/v1/edits?${query}`);
  if (!response.ok) {
    await checkAuth(response);
    if (!append) historyList.replaceChildren();
    return;
  }
  const page = await response.json();
  const items = page.items.map(historyItem);
  if (append) historyList.append(...items);
  else historyList.replaceChildren(...items);
  nextCursor = page.next_cursor;
  moreButton.hidden = nextCursor === null;
}

let refreshTimer = null;
function refreshHistory() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => {
    loadHistory(false);
    checkServer();
  }, 100);
}
moreButton.addEventListener("click", () => loadHistory(true));

checkServer();
loadHistory(false);
