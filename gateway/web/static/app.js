// A little plain JavaScript: make the photo smaller, upload it, send the report, show progress.
// Every API call sends X-Requested-With so the session cookie may change state.
"use strict";
const MAX_UPLOAD = 10 * 1024 * 1024;  // evidence's limit (EVIDENCE_MAX_BYTES)
const T = key => (JSON.parse(document.getElementById("strings").textContent || "{}")[key] || key);

function api(method, url, body, type) {
  return fetch(url, {method, body, credentials: "same-origin",
    headers: Object.assign({"X-Requested-With": "fetch"}, type ? {"Content-Type": type} : {})});
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
      xhr.status < 300 ? resolve(data) : reject(new Error(data && data.error ? data.error.display_message : T("js_failed")));
    };
    xhr.onerror = () => reject(new Error(T("js_network")));
    xhr.send(upload.blob);
  });
}

function reportForm(form) {
  const error = form.querySelector("#form_error");
  const photo = form.querySelector("#photo");
  // A meeting brings its own activity, date and time: the form fills them in.
  const meeting = form.querySelector("#meeting_id");
  meeting.addEventListener("change", () => {
    const chosen = meeting.selectedOptions[0];
    if (!chosen || !chosen.value) return;
    form.querySelector("#activity").value = chosen.dataset.activity;
    for (const key of ["date", "start", "end"]) form.querySelector("#" + key).value = chosen.dataset[key];
  });
  // The photo is made smaller (and checked for size) when it is chosen, before anything is sent.
  photoField(photo, form.querySelector("#photo_size"), error, form.querySelector("#upload_progress"));
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    error.hidden = true;
    const action = ev.submitter ? ev.submitter.value : "submit";
    const buttons = form.querySelectorAll("button"); buttons.forEach(b => b.disabled = true);
    try {
      const input = form.querySelector("#photo"), file = input.files[0];
      // One upload per chosen photo (begun when it was chosen): a failed submit keeps the
      // evidence already stored.
      if (file) form.querySelector("#evidence_id").value =
        (await sendOnce(file, form.querySelector("#upload_progress"))).id;
      const f = new FormData(form), body = {};
      for (const key of ["skp_item_id", "activity_code", "description"]) body[key] = f.get(key);
      body.skp_item_id = parseInt(body.skp_item_id, 10);
      const meeting = f.get("meeting_id");
      if (meeting) body.meeting_id = parseInt(meeting, 10);
      else { body.date = f.get("date"); body.start = f.get("start"); body.end = f.get("end"); }
      if (f.get("role")) body.role = f.get("role");
      if (f.get("evidence_id")) body.evidence_id = f.get("evidence_id");
      const url = form.dataset.mode === "revise" ? "/api/v1/reports/" + form.dataset.report
        : (action === "draft" ? "/api/v1/reports/drafts" : "/api/v1/reports");
      const resp = await api(form.dataset.mode === "revise" ? "PUT" : "POST", url, JSON.stringify(body), "application/json");
      if (!resp.ok) throw new Error(await reason(resp));
      const saved = await resp.json();
      // A fixed word, not a message: the page says "sent" or "saved" from its own strings.
      const word = form.dataset.mode === "revise" ? "ubah" : (saved.state === "draft" ? "draf" : "kirim");
      location.href = "/laporan/" + saved.id + "?baru=" + word;
    } catch (e) {
      error.textContent = e.message; error.hidden = false;
    } finally { buttons.forEach(b => b.disabled = false); }
  });
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

function importForm() {
  const button = document.getElementById("import_button");
  if (!button) return;
  button.addEventListener("click", async () => {
    const file = document.getElementById("org_csv").files[0];
    const result = document.getElementById("import_result"), table = document.getElementById("import_errors");
    const bar = document.getElementById("import_progress");
    if (!file) return;
    bar.hidden = false; bar.removeAttribute("value"); table.hidden = true; result.textContent = "…";
    const resp = await api("POST", "/api/v1/admin/organisation/import", await file.text(), "text/csv");
    bar.value = 100;
    if (resp.ok) { const r = await resp.json(); result.textContent = "✓ " + r.employees + " " + T("js_employees") + ", " + r.placements + " " + T("js_new_placements"); return; }
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
  const claim = document.getElementById("claim_form");
  if (claim) claimForm(claim);
  const skp = document.getElementById("skp_form");
  if (skp) skpForm(skp);
  importForm();
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
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(() => {});
  });
}
