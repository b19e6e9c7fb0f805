// A little plain JavaScript: upload the photo, send the report, show progress.
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

function uploadWithProgress(file, bar) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/evidence?filename=" + encodeURIComponent(file.name));
    xhr.setRequestHeader("X-Requested-With", "fetch");
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    bar.hidden = false;
    xhr.upload.onprogress = e => { if (e.lengthComputable) bar.value = 100 * e.loaded / e.total; };
    xhr.onload = () => {
      let data = null; try { data = JSON.parse(xhr.responseText); } catch (_) {}
      xhr.status < 300 ? resolve(data) : reject(new Error(data && data.error ? data.error.display_message : T("js_failed")));
    };
    xhr.onerror = () => reject(new Error(T("js_network")));
    xhr.send(file);
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
  // Check the size when the photo is chosen, before anything is sent.
  photo.addEventListener("change", () => {
    const file = photo.files[0];
    error.hidden = !(file && file.size > MAX_UPLOAD);
    if (!error.hidden) { error.textContent = T("js_too_large"); photo.value = ""; }
  });
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    error.hidden = true;
    const action = ev.submitter ? ev.submitter.value : "submit";
    const buttons = form.querySelectorAll("button"); buttons.forEach(b => b.disabled = true);
    try {
      const input = form.querySelector("#photo"), file = input.files[0];
      // One upload per chosen photo: a failed submit keeps the evidence already stored.
      if (file && file !== form.uploadedFile) {
        if (file.size > MAX_UPLOAD) throw new Error(T("js_too_large"));
        const ev = await uploadWithProgress(file, form.querySelector("#upload_progress"));
        form.querySelector("#evidence_id").value = ev.id;
        form.uploadedFile = file;
      }
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
  if (photo) photo.addEventListener("change", () => {
    const file = photo.files[0];
    error.hidden = !(file && file.size > MAX_UPLOAD);
    if (!error.hidden) { error.textContent = T("js_too_large"); photo.value = ""; }
  });
  form.addEventListener("submit", async ev => {
    if (!photo) { setTimeout(() => { button.disabled = true; }); return; }
    ev.preventDefault();
    error.hidden = true;
    const file = photo.files[0], evidence = form.querySelector("#claim_evidence_id");
    try {
      if (!file && !evidence.value) throw new Error(T("js_photo_needed"));
      if (file && file !== form.uploadedFile) {
        if (file.size > MAX_UPLOAD) throw new Error(T("js_too_large"));
        button.disabled = true;
        evidence.value = (await uploadWithProgress(file, form.querySelector("#claim_progress"))).id;
        form.uploadedFile = file;
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

document.addEventListener("DOMContentLoaded", () => {
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
