/* CivicGrid resident pages without signal.
 *
 * - Registers the service worker (/sw.js) that keeps the resident pages' shell on the device.
 * - Keeps a draft of the intake form on the device as it is typed: text, answers, place,
 *   location, phone and photos (IndexedDB), and puts it back when the form is opened again.
 * - Sends the form itself. Without signal the submission waits in an outbox on the device,
 *   with its one-time key, and the resident is told it will be sent when the signal returns.
 * - Sends what waits when the signal returns, and whenever a resident page is opened again:
 *   in order, each once (the server answers a repeated key with the first receipt), then
 *   shows the receipt. One the server refuses goes back into its form as the draft to check.
 * - Remembers what came of each one sent in the background ("news": the receipt, or the form to
 *   check) and says it on every resident page until the resident opens that receipt or form:
 *   a replay may finish on a page the resident is already leaving.
 * - Forgets a draft untouched for 7 days and news older than 14 (never the outbox).
 * Without JavaScript, IndexedDB or fetch the form posts as a plain form. Messages come from
 * data- attributes of #r-offline, so they are translated with the page.
 */
(function () {
  "use strict";

  var DB_NAME = "civicgrid-resident";
  var RECEIPT = /\/raise\/done\/[^/]+\/$/;
  var notice = null;

  if (
    !("indexedDB" in window) ||
    !window.fetch ||
    !window.FormData ||
    !window.Promise ||
    !window.civicgridDevice
  ) {
    return;
  }

  /* --- IndexedDB: "drafts" by form path, "outbox" by one-time key, "news" of what was sent -- */

  var device = window.civicgridDevice;
  var inStore = device.store(DB_NAME, 2, function (db, oldVersion) {
    if (oldVersion < 1) {
      db.createObjectStore("drafts");
      db.createObjectStore("outbox", { keyPath: "once" });
    }
    if (oldVersion < 2) {
      db.createObjectStore("news", { keyPath: "once" });
    }
  });
  var entriesOf = device.entriesOf;
  var newKey = device.newKey;

  function fill(form, entries) {
    var files = {};
    entries.forEach(function (entry) {
      var name = entry[0];
      var value = entry[1];
      if (name === "csrfmiddlewaretoken") {
        return; // the page's own token is the one that counts
      }
      if (value instanceof Blob) {
        (files[name] = files[name] || []).push(new File([value], entry[2] || "photo.jpg", { type: value.type }));
        return;
      }
      form.querySelectorAll("[name='" + name + "']").forEach(function (field) {
        if (field.type === "radio" || field.type === "checkbox") {
          field.checked = field.value === value;
        } else if (field.type !== "file") {
          field.value = value;
        }
      });
    });
    Object.keys(files).forEach(function (name) {
      var input = form.querySelector("input[type=file][name='" + name + "']");
      if (input && window.DataTransfer) {
        var chosen = new DataTransfer();
        files[name].forEach(function (file) {
          chosen.items.add(file);
        });
        input.files = chosen.files;
      }
    });
  }

  /* --- Telling the resident ---------------------------------------------------------------- */

  function say(text, link, linkText) {
    if (!notice) {
      return;
    }
    notice.textContent = text;
    if (link) {
      var a = document.createElement("a");
      a.href = link;
      a.className = "r-link";
      a.textContent = linkText;
      notice.appendChild(document.createTextNode(" "));
      notice.appendChild(a);
    }
    notice.hidden = false;
  }

  function waitingCount() {
    return inStore("outbox", "readonly", function (store) {
      return store.count();
    });
  }

  function sayWaiting() {
    return waitingCount().then(function (count) {
      if (count > 0) {
        say(notice.dataset.queued + " " + notice.dataset.waiting.replace("{n}", count));
      }
    });
  }

  /* --- Sending ------------------------------------------------------------------------------ */

  // "sent" (with the receipt's address), "later" (no signal, or the server is busy) or
  // "refused" (the server answered with the form and what to correct).
  function send(item) {
    var body = device.formData(item.entries);
    return fetch(item.action, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) {
        if (response.redirected && RECEIPT.test(new URL(response.url).pathname)) {
          return { state: "sent", url: response.url };
        }
        if (response.status === 429 || response.status >= 500) {
          return { state: "later" };
        }
        return { state: "refused" };
      })
      .catch(function () {
        return { state: "later" };
      });
  }

  var sending = false;

  // Sends what waits, oldest first; stops at the first that cannot go yet.
  function sendWaiting() {
    if (sending) {
      return Promise.resolve();
    }
    sending = true;
    return inStore("outbox", "readonly", function (store) {
      return store.getAll();
    })
      .then(function (items) {
        items.sort(function (a, b) {
          return a.queuedAt - b.queuedAt;
        });
        var chain = Promise.resolve(true);
        items.forEach(function (item) {
          chain = chain.then(function (goOn) {
            return goOn ? sendOne(item) : false;
          });
        });
        return chain;
      })
      .then(
        function () {
          sending = false;
        },
        function () {
          sending = false;
        }
      );
  }

  function sendOne(item) {
    return send(item).then(function (result) {
      if (result.state === "later") {
        return sayWaiting().then(function () {
          return false;
        });
      }
      var news = { once: item.once, state: result.state, at: Date.now() };
      if (result.state === "sent") {
        news.url = result.url;
      } else {
        news.url = item.action;
      }
      news.path = new URL(news.url, location.href).pathname;
      // One transaction: the news is kept and the item leaves the outbox together (and a refused
      // one becomes the form's draft again: nothing is dropped). Were the page left between two
      // of these writes, the next page would send the item again and bring back news already
      // heard.
      return inStore(["drafts", "news", "outbox"], "readwrite", function (drafts, newsStore, outbox) {
        if (result.state === "refused") {
          drafts.put({ entries: item.entries, savedAt: Date.now() }, item.path);
        }
        newsStore.put(news);
        return outbox.delete(item.once);
      })
        .then(sayNews)
        .then(function () {
          return true;
        });
    });
  }

  // What came of a background send, until the resident opens the receipt or the form.
  function sayNews() {
    return inStore("news", "readonly", function (store) {
      return store.getAll();
    }).then(function (all) {
      if (!all.length) {
        return;
      }
      all.sort(function (a, b) {
        return a.at - b.at;
      });
      var last = all[all.length - 1];
      if (last.state === "sent") {
        say(notice.dataset.sent, last.url, notice.dataset.receipt);
      } else {
        say(notice.dataset.check, last.url, notice.dataset.open);
      }
    });
  }

  // Opening the receipt or the form a piece of news points to is hearing it.
  function heard() {
    return inStore("news", "readwrite", function (store) {
      var all = store.getAll();
      all.onsuccess = function () {
        all.result.forEach(function (news) {
          if (news.path === location.pathname) {
            store.delete(news.once);
          }
        });
      };
      return all;
    });
  }

  /* --- Forgetting ----------------------------------------------------------------------------- */

  // A draft holds personal data (the phone, the location, photos) on a phone others may use:
  // one left untouched for DRAFT_DAYS is deleted, and so is news older than NEWS_DAYS. The
  // outbox never expires: what waits there is a need the resident sent, never silently lost.
  var DAY = 24 * 60 * 60 * 1000;
  var DRAFT_DAYS = 7;
  var NEWS_DAYS = 14;

  function fresh(entry, field, days) {
    return entry && typeof entry[field] === "number" && entry[field] > Date.now() - days * DAY;
  }

  function forgetOld(storeName, field, days) {
    return inStore(storeName, "readwrite", function (store) {
      var walk = store.openCursor();
      walk.onsuccess = function () {
        var cursor = walk.result;
        if (!cursor) {
          return;
        }
        if (!fresh(cursor.value, field, days)) {
          cursor.delete();
        }
        cursor.continue();
      };
      return walk;
    });
  }

  /* --- The intake form ----------------------------------------------------------------------- */

  function setupForm(form) {
    var path = location.pathname;
    var once = form.querySelector("input[name=once]");
    var untouched = !document.getElementById("r-errors"); // a form sent back with errors is the server's
    var timer = null;

    function saveDraft() {
      clearTimeout(timer);
      timer = setTimeout(function () {
        inStore("drafts", "readwrite", function (store) {
          return store.put({ entries: entriesOf(form), savedAt: Date.now() }, path);
        });
      }, 300);
    }

    function forget() {
      return inStore("drafts", "readwrite", function (store) {
        return store.delete(path);
      });
    }

    inStore("drafts", "readonly", function (store) {
      return store.get(path);
    }).then(function (draft) {
      if (draft && !fresh(draft, "savedAt", DRAFT_DAYS)) {
        draft = null; // too old: deleted by forgetOld, never put back
      }
      if (draft && untouched) {
        fill(form, draft.entries); // its own one-time key comes back with it
      } else if (once && untouched) {
        // A page kept by the service worker may carry a key already used: draw a new one.
        once.value = newKey();
      }
    });

    form.addEventListener("input", saveDraft);
    form.addEventListener("change", saveDraft);

    form.addEventListener("submit", function (event) {
      if (form.dataset.plain) {
        return; // the server shows what to correct: a plain post
      }
      event.preventDefault();
      var item = {
        once: once ? once.value : newKey(),
        action: form.action || location.href,
        path: path,
        entries: entriesOf(form),
        queuedAt: Date.now(),
      };
      var button = form.querySelector("button[type=submit]");
      if (button) {
        button.disabled = true;
      }
      inStore("outbox", "readwrite", function (store) {
        return store.put(item);
      })
        .then(function () {
          return send(item);
        })
        .then(function (result) {
          if (button) {
            button.disabled = false;
          }
          if (result.state === "sent") {
            return inStore("outbox", "readwrite", function (store) {
              return store.delete(item.once);
            })
              .then(forget)
              .then(function () {
                location.assign(result.url);
              });
          }
          if (result.state === "later") {
            return forget().then(function () {
              say(notice.dataset.queued + " " + notice.dataset.waiting.replace("{n}", "1"));
              notice.scrollIntoView({ block: "nearest" });
              notice.focus();
              return sayWaiting();
            });
          }
          return inStore("outbox", "readwrite", function (store) {
            return store.delete(item.once);
          }).then(function () {
            form.dataset.plain = "1";
            form.submit();
          });
        })
        .catch(function () {
          form.dataset.plain = "1"; // the device refused to store it: post as a plain form
          form.submit();
        });
    });
  }

  function start() {
    notice = document.getElementById("r-offline");
    if ("serviceWorker" in navigator && notice && notice.dataset.worker) {
      navigator.serviceWorker.register(notice.dataset.worker).catch(function () {});
    }
    var form = document.querySelector("form.r-form[data-offline]");
    if (form) {
      setupForm(form);
    }
    forgetOld("drafts", "savedAt", DRAFT_DAYS)
      .then(function () {
        return forgetOld("news", "at", NEWS_DAYS);
      })
      .catch(function () {});
    heard()
      .then(sayNews)
      .catch(function () {})
      .then(sendWaiting);
    window.addEventListener("online", sendWaiting);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
