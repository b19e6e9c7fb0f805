// The offline page, and the report form. Installed, this worker keeps the page
// /offline (no person's data: it is the same for everyone) and the stylesheet and
// script it needs. A page that cannot be fetched because the network is down is
// answered with that page. The gateway serves this file at /sw.js with a version made
// from the files the offline page is built from, so a change to any of them installs a
// fresh copy (and the old copy's cache, the form in it too, is deleted).
//
// One page of a person is kept too: the last /laporan/baru this browser loaded, so a
// report can be written where there is no signal (app.js keeps what is sent from it in
// IndexedDB until the server has it). The form is per person (their SKP items, their
// meetings), so it is kept only while that person is logged in here: a visit to
// /keluar (logging out) or to /masuk (logging in, or where an ended session lands)
// deletes it, and each load of the form replaces it. Nothing else of anyone's is ever
// stored: no other page, no API answer, no evidence.
"use strict";
const CACHE = "ekinerja-offline-__VERSION__";
const OFFLINE = "/offline";
const ASSETS = ["/static/app.css", "/static/app.js"];
const FORM = "/laporan/baru";
const FORGET_FORM = ["/keluar", "/masuk"];
// Navigations that are not pages: API answers and downloads, evidence links.
const NOT_PAGES = ["/api/", "/bukti/", "/metrics", "/docs", "/redoc", "/openapi.json"];

self.addEventListener("install", event => {
  event.waitUntil(caches.open(CACHE)
    .then(cache => cache.addAll([OFFLINE, ...ASSETS]))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", event => {
  event.waitUntil(caches.keys()
    .then(keys => Promise.all(keys.filter(k => k !== CACHE).map(k => caches.delete(k))))
    .then(() => self.clients.claim()));
});

function offlinePage() {
  return caches.match(OFFLINE).then(page => page || new Response(
    "<!doctype html><html lang=\"id\"><meta charset=\"utf-8\"><title>Tidak ada koneksi</title>" +
    "<p>Tidak ada koneksi internet. Periksa sambungan Anda, lalu coba lagi.</p></html>",
    {status: 503, headers: {"Content-Type": "text/html; charset=utf-8"}}));
}

// The form as the server just answered it for whoever is logged in; a redirect (to
// /masuk: nobody is) or a refusal is never kept.
function keepForm(response) {
  if (!response.ok || response.redirected || new URL(response.url).pathname !== FORM) return;
  return caches.open(CACHE).then(cache => cache.put(FORM, response));
}

function forgetForm() {
  return caches.open(CACHE).then(cache => cache.delete(FORM));
}

self.addEventListener("fetch", event => {
  const request = event.request, url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    if (NOT_PAGES.some(prefix => url.pathname.startsWith(prefix))) return;
    if (FORGET_FORM.includes(url.pathname)) event.waitUntil(forgetForm());
    if (url.pathname === FORM && request.method === "GET") {
      // A meeting's claim (?rapat=) is not kept: the plain form is what comes back offline.
      const answer = fetch(request).then(
        response => ({response, kept: url.search ? null : keepForm(response.clone())}));
      event.respondWith(answer.then(a => a.response,
        () => caches.match(FORM).then(form => form || offlinePage())));
      event.waitUntil(answer.then(a => a.kept, () => {}));
      return;
    }
    // The network first, always: the cached page only when there is no network.
    event.respondWith(fetch(request).catch(offlinePage));
  } else if (request.method === "GET" && ASSETS.includes(url.pathname) && !url.search) {
    event.respondWith(fetch(request).catch(
      () => caches.match(url.pathname).then(cached => cached || Response.error())));
  }
});

// The form's page asks for itself to be kept when it was loaded before this worker
// controlled the page (the first visit): fetched again, with the person's cookie.
self.addEventListener("message", event => {
  if (event.data === "keep-form") {
    event.waitUntil(fetch(FORM, {credentials: "same-origin"}).then(keepForm).catch(() => {}));
  }
});
