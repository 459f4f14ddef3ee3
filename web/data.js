// All of MNIST for the training worker: the four published files, fetched
// on demand from the site (digits serve offers them where it finds them)
// and kept in the browser's Cache Storage, so that the next run, or one
// offline, reads them from there. The worker's Go checks them
// (mnist.FromFiles): a cached copy that is not MNIST fails there.
"use strict";
self.lstmData = (() => {
  const cacheName = "lstm-digits-mnist";
  // response is the cached response for url, else the network's.
  const response = async (cache, url) => {
    const hit = cache && await cache.match(url);
    if (hit) return { res: hit, cached: true };
    const res = await fetch(url);
    if (res.status === 404) {
      throw new Error("this server does not offer all of MNIST (digits serve offers it where it finds the MNIST files): train on the subset");
    }
    if (!res.ok) throw new Error(url + ": " + res.status + " " + res.statusText);
    return { res, cached: false };
  };
  // read reads res's body, calling got with each chunk's size.
  const read = async (res, got) => {
    const reader = res.body.getReader();
    const chunks = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
      got(value.length);
    }
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    return bytes;
  };
  return {
    // load resolves with the files at urls (Uint8Arrays, in order).
    // progress(bytes, total, cached) follows it: bytes loaded of total
    // (0 where the server does not say), and whether all came from the
    // cache.
    load: async (urls, progress) => {
      const cache = await caches.open(cacheName).catch(() => null); // none: fetch each time
      const got = await Promise.all(urls.map((url) => response(cache, url)));
      const total = got.reduce((n, g) => n + Number(g.res.headers.get("Content-Length") || 0), 0);
      const cached = got.every((g) => g.cached);
      let bytes = 0;
      const files = [];
      for (const [i, g] of got.entries()) {
        const file = await read(g.res, (n) => progress(bytes += n, total, cached));
        if (!g.cached && cache) {
          const headers = { "Content-Type": "application/gzip", "Content-Length": String(file.length) };
          await cache.put(urls[i], new Response(file, { headers })).catch(() => {}); // a full cache: fetch again next time
        }
        files.push(file);
      }
      progress(bytes, Math.max(total, bytes), cached);
      return files;
    },
  };
})();
