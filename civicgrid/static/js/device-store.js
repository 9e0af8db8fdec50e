/* What the resident pages (offline.js) and the console (console-offline.js) both keep on the
 * device: a promise over IndexedDB, one-time keys, and a form's fields as entries that survive
 * in IndexedDB (photos included) and become a FormData again.
 *
 *   var device = window.civicgridDevice;
 *   var inStore = device.store("name", 2, function (db, oldVersion) { ...create stores... });
 *   inStore("outbox", "readwrite", function (store) { return store.put(item); }).then(...);
 */
(function () {
  "use strict";

  function store(name, version, upgrade) {
    function open() {
      return new Promise(function (resolve, reject) {
        var request = indexedDB.open(name, version);
        request.onupgradeneeded = function (event) {
          upgrade(request.result, event.oldVersion);
        };
        request.onsuccess = function () {
          resolve(request.result);
        };
        request.onerror = function () {
          reject(request.error);
        };
      });
    }

    // Runs `work(objectStore)` in one transaction; resolves with its request's result. Given a
    // list of store names, `work` gets each of those stores, in one transaction: what it writes
    // to them lands together or not at all.
    return function inStore(storeName, mode, work) {
      return open().then(function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction(storeName, mode);
          var request = Array.isArray(storeName)
            ? work.apply(null, storeName.map(function (one) { return tx.objectStore(one); }))
            : work(tx.objectStore(storeName));
          tx.oncomplete = function () {
            db.close();
            resolve(request ? request.result : undefined);
          };
          tx.onerror = tx.onabort = function () {
            db.close();
            reject(tx.error);
          };
        });
      });
    };
  }

  // 32 URL-safe characters, as core/once.py draws them.
  function newKey() {
    var bytes = new Uint8Array(24);
    crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode.apply(null, bytes))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
  }

  // [name, value] pairs, and [name, file, filename] for each chosen file.
  function entriesOf(form) {
    var entries = [];
    new FormData(form).forEach(function (value, name) {
      if (value instanceof File) {
        if (value.size > 0) {
          entries.push([name, value, value.name]);
        }
      } else {
        entries.push([name, value]);
      }
    });
    return entries;
  }

  // The entries as a body to post; `skip` names fields left out (a stale CSRF token).
  function formData(entries, skip) {
    var body = new FormData();
    entries.forEach(function (entry) {
      if (skip && skip.indexOf(entry[0]) >= 0) {
        return;
      }
      if (entry.length > 2) {
        body.append(entry[0], entry[1], entry[2]);
      } else {
        body.append(entry[0], entry[1]);
      }
    });
    return body;
  }

  window.civicgridDevice = { store: store, newKey: newKey, entriesOf: entriesOf, formData: formData };
})();
