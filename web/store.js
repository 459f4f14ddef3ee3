// The web app's storage in IndexedDB: the model trained or uploaded in the
// page (so that it survives a reload), the checkpoint of a training run
// (so that it can be resumed after one) and the visitor's own digits. Every
// function returns a Promise; the Go page awaits them.
"use strict";
self.lstmStore = (() => {
  const open = () => new Promise((resolve, reject) => {
    const req = indexedDB.open("lstm-digits", 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore("models");
      req.result.createObjectStore("digits", { autoIncrement: true });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  let db = null;
  // run runs fn on a store in a transaction and resolves with the value
  // fn's request (if any) produced, once the transaction is committed.
  const run = async (store, mode, fn) => {
    db = db || await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(store, mode);
      const req = fn(tx.objectStore(store));
      tx.oncomplete = () => resolve(req ? req.result : undefined);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error("IndexedDB transaction aborted"));
    });
  };
  return {
    // The current model: {bytes: Uint8Array, source: string}, or undefined.
    getModel: () => run("models", "readonly", (s) => s.get("current")),
    putModel: (bytes, source) => run("models", "readwrite", (s) => s.put({ bytes, source }, "current")),
    deleteModel: () => run("models", "readwrite", (s) => s.delete("current")),
    // The checkpoint of the run going on (or interrupted by a reload or a
    // closed tab): its bytes (Uint8Array), and apart, so that the page can
    // read it without them, what it is: {epoch, settings} (epochs done, the
    // run's settings as JSON).
    putCheckpoint: (bytes, info) => run("models", "readwrite", (s) => {
      s.put(bytes, "checkpoint");
      return s.put(info, "checkpoint-info");
    }),
    getCheckpoint: () => run("models", "readonly", (s) => s.get("checkpoint")),
    getCheckpointInfo: () => run("models", "readonly", (s) => s.get("checkpoint-info")),
    deleteCheckpoint: () => run("models", "readwrite", (s) => {
      s.delete("checkpoint");
      return s.delete("checkpoint-info");
    }),
    // The visitor's digits: {pixels: Uint8Array(784), label: 0..9} each.
    addDigit: (pixels, label) => run("digits", "readwrite", (s) => s.add({ pixels, label })),
    digits: () => run("digits", "readonly", (s) => s.getAll()),
    countDigits: () => run("digits", "readonly", (s) => s.count()),
    clearDigits: () => run("digits", "readwrite", (s) => s.clear()),
  };
})();
