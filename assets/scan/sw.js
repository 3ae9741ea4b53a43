// The scanner's service worker: keeps /scan and its assets so that the page opens with no
// network. The service prepends self.FAIRGATE_ASSETS = {version, files} (registration/web/
// scan.py), so a new build replaces the cache. The gate API is never cached.
const { version, files, page } = self.FAIRGATE_ASSETS;
const CACHE = `fairgate-scan-${version}`;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll([page, ...files]))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((names) => Promise.all(names
    .filter((name) => name.startsWith("fairgate-scan-") && name !== CACHE)
    .map((name) => caches.delete(name)))).then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname === page) {
    // The page: the network first (language, new builds), the kept copy offline.
    event.respondWith(fetch(event.request).then((response) => {
      if (response.ok) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(page, copy));
      }
      return response;
    }).catch(() => caches.match(page)));
  } else if (files.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((hit) => hit || fetch(event.request)));
  }
});
