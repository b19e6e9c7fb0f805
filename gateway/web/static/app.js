// A little plain JavaScript: make the photo smaller, upload it, send the report, show progress;
// keep a report written without a network on the phone until it can be sent.
// Every API call sends X-Requested-With so the session cookie may change state.
"use strict";
const MAX_UPLOAD = 10 * 1024 * 1024;  // evidence's limit (EVIDENCE_MAX_BYTES)
const T = key => (JSON.parse(document.getElementById("strings").textContent || "{}")[key] || key);

function api(method, url, body, type, headers) {
  return fetch(url, {method, body, credentials: "same-origin",
    headers: Object.assign({"X-Requested-With": "fetch"}, type ? {"Content-Type": type} : {}, headers)});
}

// The server's Indonesian text (display_message, display_reason), never its English message.
async function reason(resp) {
  try {
    const e = (await resp.json()).error;
    const details = (e.details || []).map(d => d.display_reason).filter(Boolean);
    return e.display_message + (details.length ? " " + details.join("; ") : "");
  } catch (_) { return T("js_failed"); }
}

// --- Photos are made smaller on the phone before they are sent ------------------------
// A phone's 3–5 MB original goes as a JPEG of at most 1600 px on the long side at
// quality 0.8, upright, carrying the original's EXIF over (capture time and GPS: the
// evidence service reads them and the superior's inbox shows them) with its Orientation
// set to 1 and its pixel dimensions set to the new ones. A PDF goes as it is; so does
// a photo this would not make smaller, and anything at all when the browser cannot do
// it (an old one): the API takes originals up to its limit.
const PHOTO_LONG_SIDE = 1600, PHOTO_QUALITY = 0.8;
const JPEG_HEAD = 512 * 1024;  // enough for the APPn segments and the frame header

// The original's EXIF (the TIFF structure inside its APP1 segment) and its stored
// pixel size (the frame header), from the first bytes of the file; null if not a JPEG.
function jpegHead(bytes) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || v.getUint16(0) !== 0xFFD8) return null;
  const head = {exif: null, width: 0, height: 0};
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xFF) return null;
    const marker = bytes[at + 1];
    if (marker === 0xFF) { at += 1; continue; }  // fill byte
    if (marker === 0x01 || (marker >= 0xD0 && marker <= 0xD8)) { at += 2; continue; }  // no length
    if (marker === 0xDA || marker === 0xD9) break;  // the image data: no frame header before it
    const length = v.getUint16(at + 2), end = at + 2 + length;
    if (marker === 0xE1 && !head.exif && length > 8 && end <= bytes.length &&
        String.fromCharCode(...bytes.subarray(at + 4, at + 10)) === "Exif\0\0") {
      head.exif = bytes.slice(at + 10, end);
    }
    if (marker >= 0xC0 && marker <= 0xCF && ![0xC4, 0xC8, 0xCC].includes(marker)) {
      head.height = v.getUint16(at + 5); head.width = v.getUint16(at + 7);
      return head;
    }
    at = end;
  }
  return head;
}

// Where the tags to change sit in the EXIF: the orientation, the pixel dimensions (IFD0
// and the Exif IFD), and the link to IFD1, whose thumbnail shows the old orientation:
// it is unlinked, and its bytes cut off where they end the segment (they usually do).
// Throws on a structure it cannot read.
function exifLayout(tiff) {
  const v = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const order = v.getUint16(0), little = order === 0x4949;
  if (!little && order !== 0x4D4D) throw new Error("EXIF: not TIFF");
  const u16 = at => v.getUint16(at, little), u32 = at => v.getUint32(at, little);
  const layout = {little, orientation: 1, orientationAt: -1, widths: [], heights: [],
    nextAt: -1, end: tiff.length};
  const walk = (ifd, visit) => {
    const count = u16(ifd);
    for (let i = 0; i < count; i++) visit(u16(ifd + 2 + 12 * i), ifd + 2 + 12 * i);
    return ifd + 2 + 12 * count;  // where the next IFD's offset is
  };
  let exifIfd = 0;
  layout.nextAt = walk(u32(4), (tag, entry) => {
    if (tag === 0x0112) { layout.orientation = u16(entry + 8); layout.orientationAt = entry; }
    else if (tag === 0x0100) layout.widths.push(entry);
    else if (tag === 0x0101) layout.heights.push(entry);
    else if (tag === 0x8769) exifIfd = u32(entry + 8);
  });
  if (exifIfd) walk(exifIfd, (tag, entry) => {
    if (tag === 0xA002) layout.widths.push(entry);
    else if (tag === 0xA003) layout.heights.push(entry);
  });
  const ifd1 = u32(layout.nextAt);
  if (ifd1) {
    let offset = 0, size = 0;
    walk(ifd1, (tag, entry) => {
      if (tag === 0x0201) offset = u32(entry + 8);
      else if (tag === 0x0202) size = u32(entry + 8);
    });
    if (offset > 8 && offset + size === tiff.length) layout.end = offset;
  }
  return layout;
}

// A copy of the EXIF for the new image: upright (Orientation 1), its size, no thumbnail.
function exifFor(tiff, layout, width, height) {
  const out = tiff.slice(0, layout.end), v = new DataView(out.buffer);
  const set = (entry, value) => {
    const type = v.getUint16(entry + 2, layout.little);
    if (v.getUint32(entry + 4, layout.little) !== 1) return;
    if (type === 3) v.setUint16(entry + 8, value, layout.little);
    else if (type === 4) v.setUint32(entry + 8, value, layout.little);
  };
  if (layout.orientationAt >= 0) v.setUint16(layout.orientationAt + 8, 1, layout.little);
  layout.widths.forEach(entry => set(entry, width));
  layout.heights.forEach(entry => set(entry, height));
  v.setUint32(layout.nextAt, 0, layout.little);
  return out;
}

// The canvas's JPEG with the EXIF in an APP1 segment: after the JFIF APP0 if there is one.
async function withExif(jpeg, tiff) {
  const bytes = new Uint8Array(await jpeg.arrayBuffer()), length = tiff.length + 8;
  if (length > 0xFFFF || bytes[0] !== 0xFF || bytes[1] !== 0xD8) throw new Error("EXIF: no room");
  const at = bytes[2] === 0xFF && bytes[3] === 0xE0 ? 4 + (bytes[4] << 8 | bytes[5]) : 2;
  const header = new Uint8Array([0xFF, 0xE1, length >> 8, length & 0xFF, 0x45, 0x78, 0x69, 0x66, 0, 0]);
  return new Blob([bytes.subarray(0, at), header, tiff, bytes.subarray(at)], {type: "image/jpeg"});
}

// The smaller JPEG for a JPEG or PNG photo, or null where there is none to make.
async function shrinkPhoto(file) {
  if (!["image/jpeg", "image/png"].includes(file.type) || typeof createImageBitmap !== "function") return null;
  let head = null, layout = null;
  if (file.type === "image/jpeg") {
    head = jpegHead(new Uint8Array(await file.slice(0, JPEG_HEAD).arrayBuffer()));
    if (!head || !head.width) return null;  // the frame header not reached: EXIF could be lost
    if (head.exif) layout = exifLayout(head.exif);  // unreadable EXIF: the original goes
  }
  // A browser that cannot apply the orientation refuses the option (a TypeError).
  const bitmap = await createImageBitmap(file, {imageOrientation: "from-image"});
  try {
    if (head) {  // applied as the EXIF says: turned a quarter, width and height swap
      const turned = layout && layout.orientation >= 5 && layout.orientation <= 8;
      if (bitmap.width !== (turned ? head.height : head.width) ||
          bitmap.height !== (turned ? head.width : head.height)) return null;
    }
    const scale = Math.min(1, PHOTO_LONG_SIDE / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = document.createElement("canvas");
    canvas.width = width; canvas.height = height;
    const ctx = canvas.getContext("2d");
    if (!ctx || !canvas.toBlob) return null;
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, width, height);  // a PNG's transparency: white
    ctx.imageSmoothingEnabled = true; ctx.imageSmoothingQuality = "high";
    ctx.drawImage(bitmap, 0, 0, width, height);
    const jpeg = await new Promise(resolve => canvas.toBlob(resolve, "image/jpeg", PHOTO_QUALITY));
    if (!jpeg) return null;
    return layout ? withExif(jpeg, exifFor(head.exif, layout, width, height)) : jpeg;
  } finally { bitmap.close(); }
}

// What goes for a chosen file: {blob, name, shrunk}. Worked out once per file, as soon
// as it is chosen; the smaller JPEG only where it is smaller, else the file itself.
const uploads = new WeakMap();
function uploadFor(file) {
  if (!uploads.has(file)) uploads.set(file, shrinkPhoto(file).catch(() => null).then(jpeg =>
    jpeg && jpeg.size < file.size
      ? {blob: jpeg, name: file.type === "image/jpeg" ? file.name : file.name.replace(/\.[^.]*$/, "") + ".jpg", shrunk: true}
      : {blob: file, name: file.name, shrunk: false}));
  return uploads.get(file);
}

// 4,2 MB; 380 KB (the Indonesian decimal comma).
function sizeText(bytes) {
  const kb = bytes / 1024;
  if (kb >= 1000) return (Math.round(kb / 102.4) / 10).toString().replace(".", ",") + " MB";
  return Math.max(1, Math.round(kb)) + " KB";
}

// A form's photo field: the moment a file is chosen it is made ready, the person is told
// what will be sent ("Foto diperkecil: 4,2 MB → 380 KB") and it starts going (with `bar`):
// over mobile data the photo travels while the rest of the form is filled in, and the
// server has checked it by the time the report is sent. Over the limit, refused.
function photoField(input, note, error, bar) {
  input.addEventListener("change", async () => {
    const file = input.files[0];
    error.hidden = true; note.hidden = !file;
    delete note.dataset.before; delete note.dataset.after;
    if (!file) return;
    note.textContent = T("js_photo_preparing");
    const upload = await uploadFor(file);
    if (input.files[0] !== file) return;  // another was chosen meanwhile
    if (upload.blob.size > MAX_UPLOAD) {
      note.hidden = true; error.textContent = T("js_too_large"); error.hidden = false; input.value = "";
      return;
    }
    note.textContent = upload.shrunk
      ? T("js_photo_shrunk").replace("{before}", sizeText(file.size)).replace("{after}", sizeText(upload.blob.size))
      : T("js_photo_as_is").replace("{size}", sizeText(file.size));
    note.dataset.before = file.size; note.dataset.after = upload.blob.size;
    if (bar) sendOnce(file, bar).catch(() => {});  // a failure is told when the form is sent
  });
}

// One upload per chosen file, however often the form is sent; one that failed is tried
// again.
const sent = new WeakMap();
function sendOnce(file, bar) {
  if (!sent.has(file)) {
    sent.set(file, uploadWithProgress(file, bar).catch(e => { sent.delete(file); throw e; }));
  }
  return sent.get(file);
}

// The file's SHA-256 as a Content-Digest (RFC 9530): storage checks the bytes against it as
// they arrive, so the server need not read the photo back. crypto.subtle exists on HTTPS
// and localhost only; without it the server reads the upload back instead.
async function contentDigest(blob) {
  if (!(window.crypto && crypto.subtle)) return null;
  try {
    const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", await blob.arrayBuffer()));
    let text = "";
    for (const b of hash) text += String.fromCharCode(b);
    return "sha-256=:" + btoa(text) + ":";
  } catch (_) { return null; }
}

// The upload every form uses: what uploadFor() chose, with progress.
async function uploadWithProgress(file, bar) {
  const upload = await uploadFor(file);
  if (upload.blob.size > MAX_UPLOAD) throw new Error(T("js_too_large"));
  const digest = await contentDigest(upload.blob);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/evidence?filename=" + encodeURIComponent(upload.name));
    xhr.setRequestHeader("X-Requested-With", "fetch");
    xhr.setRequestHeader("Content-Type", upload.blob.type || "application/octet-stream");
    if (digest) xhr.setRequestHeader("Content-Digest", digest);
    bar.hidden = false;
    xhr.upload.onprogress = e => { if (e.lengthComputable) bar.value = 100 * e.loaded / e.total; };
    xhr.onload = () => {
      let data = null; try { data = JSON.parse(xhr.responseText); } catch (_) {}
      if (xhr.status < 300) return resolve(data);
      reject(Object.assign(new Error(data && data.error ? data.error.display_message : T("js_failed")),
                           {status: xhr.status}));
    };
    xhr.onerror = () => reject(Object.assign(new Error(T("js_network")), {network: true}));
    xhr.send(upload.blob);
  });
}

// --- Reports written without a network wait on the phone ------------------------------
// A report sent where there is no network (the browser says it is offline, a request
// fails for want of one, or the server is down: 5xx) is kept in IndexedDB with its photo
// and sent when the network is back (the `online` event, and every page load). Nothing
// is lost or sent twice:
// - each queued report carries its own Idempotency-Key, made when it is first sent (the
//   key of the attempt that failed, so a report that did arrive before its answer was
//   lost is answered again, not made again), kept for the report's whole life here;
// - it leaves IndexedDB only when the server has accepted it (2xx, which the replay of
//   its key is too); a network failure or a 5xx leaves it waiting for the next round;
// - the photo goes first, as the form sends it; once stored, its evidence id is kept
//   with the report. The upload has no Idempotency-Key (replayed, one would hand back the
//   ticket of an upload the server discarded): evidence answers the same bytes from the
//   same owner with the record it already has, so sending it again makes nothing new.
//   An upload that never reached its confirmation leaves a record nothing links, which
//   evidence's staging purge removes;
// - a refusal (any other 4xx: the day closed meanwhile, the time overlaps) stays here
//   with the server's Indonesian reason, for the person to change or delete; it is not
//   sent again until they have changed it. Refusals are not kept by the server's
//   Idempotency-Key, so the changed report goes with the same key;
// - one tab sends at a time (a Web Lock); each report is tagged with the account that
//   wrote it and goes only with that account's session.
const OUTBOX_DB = "ekinerja", OUTBOX = "antrean";
const LATER = [401, 408, 425, 429];  // 4xx that are not about the report: tried again later
const EVIDENCE_GONE = ["evidence_not_found", "evidence_incomplete"];  // upload the kept photo again

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, x => x.toString(16).padStart(2, "0")).join("");
  return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
}

let outboxDb = null;
function outboxStore(mode, work) {
  if (!("indexedDB" in window)) return Promise.reject(new Error("no IndexedDB"));
  if (!outboxDb) outboxDb = new Promise((resolve, reject) => {
    const open = indexedDB.open(OUTBOX_DB, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(OUTBOX, {keyPath: "id"});
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => { outboxDb = null; reject(open.error); };
  });
  return outboxDb.then(db => new Promise((resolve, reject) => {
    const tx = db.transaction(OUTBOX, mode), request = work(tx.objectStore(OUTBOX));
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = tx.onabort = () => reject(tx.error);
  }));
}
const queuedAll = () => outboxStore("readonly", store => store.getAll())
  .then(items => items.sort((a, b) => a.queuedAt.localeCompare(b.queuedAt)));
const queuedOne = id => outboxStore("readonly", store => store.get(id));
// A failure to store says so in Indonesian (storage full or blocked): the form keeps its values.
const keepQueued = item => outboxStore("readwrite", store => store.put(item))
  .catch(() => { throw new Error(T("js_outbox_not_kept")); });
const dropQueued = id => outboxStore("readwrite", store => store.delete(id));

const sending = new Set();  // ids on their way now (this tab)

// A failed answer's code and Indonesian text (display_message, with the fields' reasons).
async function refusal(resp) {
  let code = null;
  try { code = (await resp.clone().json()).error.reason_code; } catch (_) { /* not JSON */ }
  return {code, text: await reason(resp)};
}

function uploadQueued(photo) {
  return contentDigest(photo.blob).then(digest => fetch(
    "/api/v1/evidence?filename=" + encodeURIComponent(photo.name), {
      method: "POST", body: photo.blob, credentials: "same-origin",
      headers: Object.assign({"X-Requested-With": "fetch",
        "Content-Type": photo.blob.type || "application/octet-stream"},
      digest ? {"Content-Digest": digest} : {})}));
}

// One queued report to the server: "sent" (with the report), "refused", or "later".
async function deliver(item) {
  sending.add(item.id); renderOutbox();
  try {
    for (let round = 0; round < 2; round++) {
      if (item.photo && !item.evidenceId) {
        const up = await uploadQueued(item.photo);
        if (!up.ok) return await failed(item, up, false);
        item.evidenceId = (await up.json()).id;
        await keepQueued(item);
      }
      const body = Object.assign({}, item.body, item.evidenceId ? {evidence_id: item.evidenceId} : {});
      const resp = await fetch(item.action === "draft" ? "/api/v1/reports/drafts" : "/api/v1/reports", {
        method: "POST", body: JSON.stringify(body), credentials: "same-origin",
        headers: {"X-Requested-With": "fetch", "Content-Type": "application/json",
                  "Idempotency-Key": item.key}});
      if (resp.ok) {  // accepted (or its key's first answer, replayed): it leaves the phone
        await dropQueued(item.id);
        return {outcome: "sent", report: await resp.json().catch(() => null)};
      }
      const outcome = await failed(item, resp, true);
      if (outcome.outcome !== "again") return outcome;
    }
    return {outcome: "later"};
  } catch (_) {
    return {outcome: "later", network: true};  // no network (again): it waits
  } finally { sending.delete(item.id); renderOutbox(); }
}

async function failed(item, resp, report) {
  if (resp.status >= 500 || LATER.includes(resp.status)) {
    item.note = resp.status === 401 ? T("js_outbox_login") : T("js_outbox_busy");
    await keepQueued(item);
    return {outcome: "later"};
  }
  const why = await refusal(resp);
  if (report && item.photo && item.evidenceId && EVIDENCE_GONE.includes(why.code)) {
    item.evidenceId = null;  // the stored photo is gone: the one kept here goes again
    await keepQueued(item);
    return {outcome: "again"};
  }
  item.state = "refused"; item.reason = why.text; item.note = "";
  await keepQueued(item);
  return {outcome: "refused"};
}

function outboxLock(work) {
  return navigator.locks ? navigator.locks.request("ekinerja-antrean", work) : work();
}

// Send what waits, oldest first, for whoever is logged in; stops when the network fails
// (one the server answered "later" waits for the next round: a page load, the `online`
// event, or the minute's retry below).
let flushing = null, sentNow = 0;
function flushOutbox() {
  let answered = 0;
  if (!flushing) flushing = outboxLock(async () => {
    if (!navigator.onLine) return;
    let waiting = (await queuedAll()).filter(i => i.state !== "refused");
    if (!waiting.length) return;
    const me = await api("GET", "/api/v1/me");
    if (!me.ok) { outboxHint = me.status === 401 ? T("js_outbox_login") : ""; return; }
    const account = String((await me.json()).account_id);
    outboxHint = "";
    waiting = waiting.filter(i => i.account === account);
    for (const item of waiting) {
      const fresh = await queuedOne(item.id);  // another tab may have sent, changed or deleted it
      if (!fresh || fresh.state === "refused") continue;
      const result = await deliver(fresh);
      if (result.outcome === "sent") sentNow++;
      if (result.network) break;  // no network: the rest cannot go either
      if (result.outcome === "later") continue;  // this one the server could not take now
      answered++;
    }
  }).catch(() => {}).finally(() => {
    flushing = null;
    // "kept on this phone" said before is old news once the server has answered
    const kept = document.getElementById("outbox_kept");
    if (kept && answered) kept.hidden = true;
    renderOutbox();
  });
  return flushing;
}

// --- the list "Menunggu dikirim" (the report form and the home page) ---
let outboxHint = "";
function shortDate(iso) {
  const [y, m, d] = String(iso || "").split("-").map(Number);
  return y ? d + " " + T("js_months_short").split(" ")[m - 1] : "";
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text != null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

async function renderOutbox() {
  const section = document.getElementById("outbox");
  if (!section) return;
  let items;
  try { items = (await queuedAll()).filter(i => i.account === section.dataset.account); }
  catch (_) { return; }
  const list = section.querySelector("#outbox_list"), done = section.querySelector("#outbox_done");
  list.replaceChildren();
  for (const item of items) {
    const li = el("li", null, "queued" + (item.state === "refused" ? " refused" : ""));
    li.dataset.id = item.id;
    const head = el("p", null, "queued-head");
    const when = item.label.start ? " " + item.label.start + "–" + item.label.end : "";
    head.append(el("span", shortDate(item.label.date) + when, "time"),
                el("span", item.label.activity + (item.action === "draft" ? " (" + T("js_outbox_as_draft") + ")" : "")));
    const state = sending.has(item.id) ? "js_outbox_sending"
      : item.state === "refused" ? "js_outbox_refused" : "js_outbox_waiting";
    head.append(el("span", T(state), "state " + (item.state === "refused" ? "state-rejected" : "state-queued")));
    li.append(head);
    if (item.body.description) li.append(el("p", item.body.description, "hint"));
    if (item.state === "refused") li.append(el("p", item.reason, "reason"));
    else if (item.note) li.append(el("p", item.note, "hint"));
    const actions = el("div", null, "actions");
    if (item.state === "refused") {
      const form = document.getElementById("report_form");
      if (form && form.dataset.mode === "create") {
        const edit = el("button", T("js_outbox_edit"), "edit");
        edit.type = "button";
        edit.addEventListener("click", () => editQueued(form, item.id));
        actions.append(edit);
      } else {
        const edit = el("a", T("js_outbox_edit"), "button edit");
        edit.href = "/laporan/baru#antrean=" + encodeURIComponent(item.id);
        actions.append(edit);
      }
    }
    if (!sending.has(item.id)) {
      const remove = el("button", T("js_outbox_delete"), "danger delete");
      remove.type = "button";
      remove.addEventListener("click", async () => {
        if (!confirm(T("js_outbox_confirm_delete"))) return;
        await outboxLock(() => dropQueued(item.id));
        renderOutbox();
      });
      actions.append(remove);
    }
    li.append(actions);
    list.append(li);
  }
  const hint = section.querySelector("#outbox_hint");
  const waits = items.some(i => i.state !== "refused");
  hint.textContent = outboxHint ||
    T(!waits ? "js_outbox_fix" : navigator.onLine ? "js_outbox_hint" : "js_outbox_offline");
  hint.hidden = !items.length;
  section.querySelector("#outbox_send").hidden = !waits || !navigator.onLine || sending.size > 0;
  done.textContent = !items.length && sentNow ? "✓ " + T("js_outbox_all_sent") : "";
  done.hidden = !done.textContent;
  section.hidden = !items.length && !sentNow;
}

function outboxList() {
  const section = document.getElementById("outbox");
  if (!section) return;
  section.querySelector("#outbox_send").addEventListener("click", flushOutbox);
  window.addEventListener("offline", renderOutbox);
  renderOutbox();
}

// The report the form holds: the body the API takes, and what the list shows of it.
function reportOf(form) {
  const f = new FormData(form), body = {};
  for (const key of ["skp_item_id", "activity_code", "description"]) body[key] = f.get(key);
  body.skp_item_id = parseInt(body.skp_item_id, 10);
  const meeting = f.get("meeting_id");
  if (meeting) body.meeting_id = parseInt(meeting, 10);
  else { body.date = f.get("date"); body.start = f.get("start"); body.end = f.get("end"); }
  if (f.get("role")) body.role = f.get("role");
  const activity = form.querySelector("#activity").selectedOptions[0];
  const label = {date: f.get("date"), start: f.get("start"), end: f.get("end"),
    activity: activity && activity.value ? activity.dataset.name || activity.textContent : ""};
  return {body, label};
}

function resetReportForm(form) {
  form.reset();
  delete form.dataset.queued;
  for (const id of ["photo_size", "upload_progress", "outbox_editing"]) form.querySelector("#" + id).hidden = true;
}

// Kept on the phone (see deliver): the form empties for the next report.
async function queueReport(form, spec) {
  // the browser may clear a site's storage when the phone runs short: ask it not to
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
  const upload = spec.file ? await uploadFor(spec.file) : null;
  if (upload && upload.blob.size > MAX_UPLOAD) throw new Error(T("js_too_large"));
  await keepQueued({id: newKey(), key: spec.key || newKey(), account: form.dataset.account,
    action: spec.action, body: spec.body, label: spec.label, evidenceId: spec.evidenceId || null,
    photo: upload ? {blob: upload.blob, name: upload.name} : null,
    state: "waiting", reason: "", note: spec.busy ? T("js_outbox_busy") : "",
    queuedAt: new Date().toISOString()});
  return queued(form, spec.busy);
}

// Said in the form: kept on this phone, sent when it can be.
async function queued(form, busy) {
  resetReportForm(form);
  const kept = form.querySelector("#outbox_kept");
  kept.textContent = T(busy ? "js_outbox_kept_busy" : "js_outbox_kept"); kept.hidden = false;
  await renderOutbox();
  kept.scrollIntoView({block: "center"});
}

// A queued report back in the form, to be changed and sent again.
async function editQueued(form, id) {
  const item = await queuedOne(id).catch(() => null);
  if (!item || item.account !== form.dataset.account) return;
  resetReportForm(form);
  form.dataset.queued = id;
  const set = (field, value) => { form.querySelector("#" + field).value = value == null ? "" : value; };
  set("skp_item_id", item.body.skp_item_id); set("activity", item.body.activity_code);
  set("meeting_id", item.body.meeting_id); set("role", item.body.role);
  set("date", item.label.date); set("start", item.label.start); set("end", item.label.end);
  set("description", item.body.description);
  const note = form.querySelector("#photo_size");
  if (item.photo) {
    note.textContent = T("js_outbox_photo_kept").replace("{name}", item.photo.name)
      .replace("{size}", sizeText(item.photo.blob.size));
    note.hidden = false;
  }
  form.querySelector("#outbox_kept").hidden = true;
  form.querySelector("#outbox_editing").hidden = false;
  const error = form.querySelector("#form_error");
  error.textContent = item.reason || ""; error.hidden = !item.reason;
  form.scrollIntoView({block: "start"});
  form.querySelector("#skp_item_id").focus();
}

// The changed queued report: kept (still with its key), and sent now if there is a network.
async function requeue(form, spec) {
  const id = form.dataset.queued;
  const item = await queuedOne(id);
  if (!item) return queueReport(form, spec);  // deleted meanwhile (another tab): a new one
  Object.assign(item, {action: spec.action, body: spec.body, label: spec.label,
                       state: "waiting", reason: "", note: ""});
  if (spec.file) {
    const upload = await uploadFor(spec.file);
    if (upload.blob.size > MAX_UPLOAD) throw new Error(T("js_too_large"));
    item.photo = {blob: upload.blob, name: upload.name}; item.evidenceId = null;
  }
  await outboxLock(() => keepQueued(item));
  if (!navigator.onLine) return queued(form, false);
  const result = await outboxLock(async () => (await queuedOne(id)) ? deliver(item) : {outcome: "gone"});
  if (result.outcome === "sent" && result.report) {
    location.href = "/laporan/" + result.report.id + "?baru=" + (result.report.state === "draft" ? "draf" : "kirim");
  } else if (result.outcome === "refused") {
    await editQueued(form, id);
  } else if (result.outcome === "later") {
    await queued(form, !result.network);
  } else {  // sent already (by another tab) or its answer unreadable: the list says it went
    sentNow++;
    resetReportForm(form);
    await renderOutbox();
  }
}

// A page loaded from the worker's copy may be from an earlier day: today is allowed.
function todayAllowed(input) {
  // the city's date (data-zone, the deployment's EKINERJA_TZ), not the phone's zone
  const now = new Date(), pad = n => String(n).padStart(2, "0");
  let local = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  try {
    if (input.dataset.zone) local = new Intl.DateTimeFormat("en-CA", {timeZone: input.dataset.zone,
      year: "numeric", month: "2-digit", day: "2-digit"}).format(now);
  } catch (_) { /* an unknown zone: the phone's date */ }
  if (!input.max || local <= input.max) return;
  if (input.defaultValue === input.max) input.defaultValue = local;
  if (input.value === input.max) input.value = local;
  input.max = local;
}

function reportForm(form) {
  const error = form.querySelector("#form_error");
  const photo = form.querySelector("#photo");
  const create = form.dataset.mode === "create";
  // A meeting brings its own activity, date and time: the form fills them in.
  const meeting = form.querySelector("#meeting_id");
  meeting.addEventListener("change", () => {
    const chosen = meeting.selectedOptions[0];
    if (!chosen || !chosen.value) return;
    form.querySelector("#activity").value = chosen.dataset.activity;
    for (const key of ["date", "start", "end"]) form.querySelector("#" + key).value = chosen.dataset[key];
  });
  if (create) todayAllowed(form.querySelector("#date"));
  // The photo is made smaller (and checked for size) when it is chosen, before anything is sent.
  photoField(photo, form.querySelector("#photo_size"), error, form.querySelector("#upload_progress"));
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    error.hidden = true;
    if (create) form.querySelector("#outbox_kept").hidden = true;
    const action = ev.submitter ? ev.submitter.value : "submit";
    const buttons = form.querySelectorAll("button"); buttons.forEach(b => b.disabled = true);
    try {
      const file = photo.files[0], {body, label} = reportOf(form);
      const spec = {action, body, label, file};
      if (create && form.dataset.queued) return await requeue(form, spec);
      if (create && !navigator.onLine) return await queueReport(form, spec);
      // The key of this attempt: if it fails for want of a network, the queued report
      // keeps it, so an attempt that did arrive is answered again, not made again.
      spec.key = create ? newKey() : null;
      // One upload per chosen photo (begun when it was chosen): a failed submit keeps the
      // evidence already stored.
      let evidence = form.querySelector("#evidence_id").value;
      if (file) {
        try { evidence = (await sendOnce(file, form.querySelector("#upload_progress"))).id; }
        catch (e) {
          if (create && (e.network || e.status >= 500)) return await queueReport(form, {...spec, busy: !e.network});
          throw e;
        }
        form.querySelector("#evidence_id").value = evidence;
      }
      spec.evidenceId = evidence || null;
      const sent = Object.assign({}, body, evidence ? {evidence_id: evidence} : {});
      const url = create ? (action === "draft" ? "/api/v1/reports/drafts" : "/api/v1/reports")
        : "/api/v1/reports/" + form.dataset.report;
      let resp;
      try {
        resp = await api(create ? "POST" : "PUT", url, JSON.stringify(sent), "application/json",
                         create ? {"Idempotency-Key": spec.key} : {});
      } catch (_) {
        if (create) return await queueReport(form, spec);
        throw new Error(T("js_network"));
      }
      if (create && resp.status >= 500) return await queueReport(form, {...spec, busy: true});
      if (!resp.ok) throw new Error(await reason(resp));
      const saved = await resp.json();
      // A fixed word, not a message: the page says "sent" or "saved" from its own strings.
      const word = form.dataset.mode === "revise" ? "ubah" : (saved.state === "draft" ? "draf" : "kirim");
      location.href = "/laporan/" + saved.id + "?baru=" + word;
    } catch (e) {
      error.textContent = e.message; error.hidden = false;
    } finally { buttons.forEach(b => b.disabled = false); }
  });
  const queuedId = create && location.hash.match(/^#antrean=(.+)$/);
  if (queuedId) editQueued(form, decodeURIComponent(queuedId[1]));
}

// A meeting's one-tap claim: a plain form post. Where the activity wants evidence,
// the photo chosen in the same form is uploaded first (checked for size, with
// progress, once), then the form goes with the evidence's id.
function claimForm(form) {
  const photo = form.querySelector("#claim_photo"), error = form.querySelector("#claim_error");
  const button = form.querySelector("#claim");
  if (photo) photoField(photo, form.querySelector("#claim_photo_size"), error, form.querySelector("#claim_progress"));
  form.addEventListener("submit", async ev => {
    if (!photo) { setTimeout(() => { button.disabled = true; }); return; }
    ev.preventDefault();
    error.hidden = true;
    const file = photo.files[0], evidence = form.querySelector("#claim_evidence_id");
    try {
      if (!file && !evidence.value) throw new Error(T("js_photo_needed"));
      if (file) {
        button.disabled = true;
        evidence.value = (await sendOnce(file, form.querySelector("#claim_progress"))).id;
      }
      button.disabled = true;
      form.submit();
    } catch (e) {
      error.textContent = e.message; error.hidden = false; button.disabled = false;
    }
  });
}

// The SKP form works without script: each item shows one empty indicator more, and
// a ticked "remove" drops one. With script, "+ Tambah indikator" adds a row from the
// item's template and "Hapus indikator" takes one away; the names stay unique, and
// the server reads whichever rows are sent.
function skpForm(form) {
  form.querySelectorAll("fieldset.indicators").forEach(group => {
    const max = parseInt(group.dataset.max, 10), template = group.querySelector("template");
    let next = parseInt(group.dataset.next, 10);
    const rows = () => group.querySelectorAll("fieldset.indicator");
    const add = document.createElement("button");
    add.type = "button"; add.className = "add-indicator"; add.textContent = T("js_add_indicator");
    const renumber = () => {
      rows().forEach((row, i) => { row.querySelector(".ind-n").textContent = T("js_indicator") + " " + (i + 1); });
      add.hidden = rows().length >= max;
    };
    const removable = row => {
      const box = row.querySelector("label.remove");
      if (!box) return;
      box.hidden = true;
      const button = document.createElement("button");
      button.type = "button"; button.className = "danger"; button.textContent = T("js_remove_indicator");
      button.addEventListener("click", () => { row.remove(); renumber(); add.focus(); });
      box.after(button);
    };
    rows().forEach(removable);
    group.querySelectorAll("fieldset.indicator.spare").forEach(row => row.remove());  // for pages without script
    add.addEventListener("click", () => {
      if (rows().length >= max) return;
      const html = template.innerHTML.replaceAll("__M__", String(next++));
      const holder = document.createElement("div"); holder.innerHTML = html;
      const row = holder.querySelector("fieldset.indicator");
      add.before(row); removable(row); renumber();
      row.querySelector("input").focus();
    });
    group.append(add);
    renumber();
  });
}

// A CSV file sent whole to an import route: its summary, or every problem with its row,
// column and Indonesian reason in the section's table. `ids` names the section's parts.
function importForm(ids, url, summary) {
  const button = document.getElementById(ids.button);
  if (!button) return;
  button.addEventListener("click", async () => {
    const file = document.getElementById(ids.file).files[0];
    const result = document.getElementById(ids.result), table = document.getElementById(ids.errors);
    const bar = document.getElementById(ids.progress);
    if (!file) { result.textContent = T("js_choose_file"); return; }
    bar.hidden = false; bar.removeAttribute("value"); table.hidden = true; result.textContent = "…";
    const resp = await api("POST", url, await file.text(), "text/csv");
    bar.value = 100;
    if (resp.ok) { result.textContent = "✓ " + summary(await resp.json()); return; }
    const err = (await resp.json()).error;
    result.textContent = err.display_message;
    const body = table.querySelector("tbody"); body.innerHTML = "";
    for (const d of err.details || []) {
      const tr = document.createElement("tr");
      for (const v of [d.row, d.column || d.field, d.display_short || d.reason]) { const td = document.createElement("td"); td.textContent = v == null ? "" : v; tr.appendChild(td); }
      body.appendChild(tr);
    }
    table.hidden = false;
  });
}

function closeForm() {
  const button = document.getElementById("close_button");
  if (!button) return;
  button.addEventListener("click", async () => {
    const period = document.getElementById("close_period").value;
    const bar = document.getElementById("close_progress"), result = document.getElementById("close_result");
    bar.hidden = false; bar.value = 0;
    let resp = await api("POST", "/api/v1/payroll/closings", JSON.stringify({period}), "application/json");
    if (!resp.ok) { result.textContent = await reason(resp); return; }
    let job = await resp.json();
    while (job.state !== "done" && job.state !== "failed") {
      await new Promise(r => setTimeout(r, 500));
      job = await (await api("GET", "/api/v1/payroll/closings/" + job.id)).json();
      bar.value = job.total ? 100 * job.done / job.total : 5;
      result.textContent = job.done + " / " + (job.total || "?");
    }
    bar.value = 100;
    result.textContent = job.state === "done" ? "✓ " + job.total + " " + T("js_employees") : job.error;
    document.getElementById("dl_csv").href = "/api/v1/payroll/exports/" + period + ".csv";
    document.getElementById("dl_xlsx").href = "/api/v1/payroll/exports/" + period + ".xlsx";
    document.getElementById("downloads").hidden = false;
  });
}

function jsonForm(id, url, build) {
  const form = document.getElementById(id);
  if (!form) return;
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    const out = form.querySelector(".result");
    try {
      const resp = await api("POST", url, JSON.stringify(build(new FormData(form))), "application/json");
      out.textContent = resp.ok ? T("js_published") : await reason(resp);
    } catch (e) { out.textContent = T("js_invalid_json"); }
  });
}

// The rule-set form: the whole body from the advanced JSON, the visible fields on top.
function ruleSetBody(f) {
  const body = JSON.parse(f.get("body") || "{}");
  document.querySelectorAll("#rule_set_form [data-field]").forEach(input => {
    const kind = input.dataset.field;
    if (kind === "text") { body[input.name] = input.value.trim() || null; return; }
    if (kind === "dates") {  // one date a line (or separated by commas), as YYYY-MM-DD
      body[input.name] = input.value.split(/[\s,]+/).filter(Boolean); return;
    }
    if (input.value === "") return;
    body[input.name] = Number.isInteger(Number(input.value)) && !input.step.includes(".")
      ? parseInt(input.value, 10) : input.value;
  });
  return {effective_from: f.get("effective_from"), body};
}

function selectAll() {
  const all = document.getElementById("select_all");
  if (all) all.addEventListener("change", () => document.querySelectorAll("input.pick").forEach(b => b.checked = all.checked));
}

// On a phone a wide table scrolls inside its card (app.css); one that does can be reached
// and scrolled from the keyboard too.
function scrollableTables() {
  document.querySelectorAll("table").forEach(table => {
    if (table.scrollWidth > table.clientWidth) table.tabIndex = 0;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  scrollableTables();
  selectAll();
  const form = document.getElementById("report_form");
  if (form) reportForm(form);
  outboxList();
  flushOutbox();
  const claim = document.getElementById("claim_form");
  if (claim) claimForm(claim);
  const skp = document.getElementById("skp_form");
  if (skp) skpForm(skp);
  importForm({file: "org_csv", button: "import_button", progress: "import_progress", result: "import_result",
              errors: "import_errors"}, "/api/v1/admin/organisation/import",
             r => r.employees + " " + T("js_employees") + ", " + r.placements + " " + T("js_new_placements"));
  importForm({file: "att_csv", button: "att_button", progress: "att_progress", result: "att_result",
              errors: "att_errors"}, "/api/v1/admin/attendance/import",
             r => r.rows + " " + T("js_marks") + ": " + r.added + " " + T("js_added") + ", " + r.replaced + " "
               + T("js_replaced") + ", " + r.unchanged + " " + T("js_unchanged"));
  closeForm();
  jsonForm("catalogue_form", "/api/v1/admin/catalogue", f => ({activity_types: [{
    code: f.get("code"), name: f.get("name"), output_unit: f.get("output_unit"),
    standard_minutes: parseInt(f.get("standard_minutes"), 10), points: f.get("points"),
    rupiah: parseInt(f.get("rupiah"), 10), evidence_required: f.get("evidence_required") === "on",
    effective_from: f.get("effective_from")}]}));
  jsonForm("rule_set_form", "/api/v1/admin/payroll-rule-sets", ruleSetBody);
});

// The offline page (sw.js): a page that cannot load for want of a network says so in
// the site's layout instead of the browser's own error. Registered after the page has
// loaded, so it never slows a page down; where it cannot run, nothing changes.
if ("serviceWorker" in navigator) {
  const controlled = !!navigator.serviceWorker.controller;
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(() => {});
    // The worker keeps the report form for writing without a network; a form it did not
    // see load (the first visit, before it ran) it is asked to fetch and keep.
    // Any page of a logged-in session asks once, so the form is there offline even for
    // someone who has not opened it since they logged in.
    const onForm = location.pathname === "/laporan/baru" && document.getElementById("outbox");
    const loggedIn = !!document.querySelector('a[href="/keluar"]');
    let asked = false;
    try { asked = sessionStorage.getItem("ekinerja-form-kept") === "1"; } catch (_) { /* private mode */ }
    if ((onForm && !controlled) || (loggedIn && !onForm && !asked)) {
      navigator.serviceWorker.ready.then(r => r.active && r.active.postMessage("keep-form"));
      try { sessionStorage.setItem("ekinerja-form-kept", "1"); } catch (_) { /* private mode */ }
    }
  });
}

// Queued reports go when the network is back (and on every page load, above), and are
// tried again each minute while a page is open (a server that was busy, Wi-Fi without
// internet that `online` never reports as lost).
window.addEventListener("online", flushOutbox);
setInterval(() => { if (navigator.onLine) flushOutbox(); }, 60000);

// Logging out with reports still on the phone: they stay, but go only once this person
// logs in again here; say so before the session ends.
document.addEventListener("click", event => {
  const link = event.target.closest && event.target.closest('a[href="/keluar"]');
  if (!link || !("indexedDB" in window)) return;
  event.preventDefault();
  const section = document.getElementById("outbox");
  queuedAll().catch(() => []).then(items => {
    const mine = section ? items.filter(i => i.account === section.dataset.account) : items;
    if (!mine.length || window.confirm(T("js_outbox_logout").replace("{n}", mine.length))) {
      location.href = "/keluar";
    }
  });
});
