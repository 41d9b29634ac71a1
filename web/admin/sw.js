// The admin UI's service worker. It keeps the console's shell (its
// stylesheet, its script, the icons) and the last copy of each console
// page opened, so that a scorer who loses the network, or reopens the app
// without one, still has the console and its pending taps. It never
// touches the API or the hub: their answers always come from the network,
// and a cached one is never passed off as fresh.
"use strict";
const SHELL = "scoreboard-shell-v1";
const PAGES = "scoreboard-pages-v1";
const ASSETS = ["/admin/assets/admin.css", "/admin/assets/console.js", "/admin/assets/icon.svg", "/admin/assets/icon-192.png"];

self.addEventListener("install", (e) => {
	e.waitUntil(caches.open(SHELL).then((c) => c.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (e) => {
	e.waitUntil(
		caches.keys()
			.then((keys) => Promise.all(keys.filter((k) => k !== SHELL && k !== PAGES).map((k) => caches.delete(k))))
			.then(() => self.clients.claim()),
	);
});

// networkFirst answers from the network and keeps a copy in cache; from
// the copy only when the network fails.
async function networkFirst(request, cacheName, key) {
	try {
		const res = await fetch(request);
		if (res.ok) {
			const cache = await caches.open(cacheName);
			await cache.put(key, res.clone());
		}
		return res;
	} catch (err) {
		const hit = await caches.match(key);
		if (hit) return hit;
		throw err;
	}
}

self.addEventListener("fetch", (e) => {
	const req = e.request;
	const url = new URL(req.url);
	if (req.method !== "GET" || url.origin !== self.location.origin) return;
	if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/.well-known/")) return;
	if (url.pathname === "/admin/login" && url.searchParams.has("out")) {
		// Logged out: no copy of a page shows anyone's matches any more.
		e.waitUntil(caches.delete(PAGES));
		return;
	}
	if (url.pathname.startsWith("/admin/assets/")) {
		e.respondWith(networkFirst(req, SHELL, url.pathname));
		return;
	}
	if (req.mode === "navigate" && /^\/admin\/matches\/\d+$/.test(url.pathname)) {
		e.respondWith(networkFirst(req, PAGES, url.pathname));
	}
});
