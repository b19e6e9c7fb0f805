// The offline page. Installed, this worker keeps exactly three things: the page
// /offline (no person's data: it is the same for everyone) and the stylesheet and
// script it needs. A page that cannot be fetched because the network is down is
// answered with that page. Nothing else is ever stored: no page anyone is logged
// in to, no API answer, no evidence. The gateway serves this file at /sw.js with a
// version made from the files the offline page is built from, so a change to any
// of them installs a fresh copy.
"use strict";
const CACHE = "ekinerja-offline-__VERSION__";
const OFFLINE = "/offline";
const ASSETS = ["/static/app.css", "/static/app.js"];
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

self.addEventListener("fetch", event => {
  const request = event.request, url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    if (NOT_PAGES.some(prefix => url.pathname.startsWith(prefix))) return;
    // The network first, always: the cached page only when there is no network.
    event.respondWith(fetch(request).catch(offlinePage));
  } else if (request.method === "GET" && ASSETS.includes(url.pathname) && !url.search) {
    event.respondWith(fetch(request).catch(
      () => caches.match(url.pathname).then(cached => cached || Response.error())));
  }
});
