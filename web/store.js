// The web app's storage in IndexedDB: the model trained or uploaded in the
// page (so that it survives a reload) and the visitor's own digits. Every
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
    // The visitor's digits: {pixels: Uint8Array(784), label: 0..9} each.
    addDigit: (pixels, label) => run("digits", "readwrite", (s) => s.add({ pixels, label })),
    digits: () => run("digits", "readonly", (s) => s.getAll()),
    countDigits: () => run("digits", "readonly", (s) => s.count()),
    clearDigits: () => run("digits", "readwrite", (s) => s.clear()),
  };
})();
