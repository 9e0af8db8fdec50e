/* A grid worker's need pages without signal (docs/reach.md, "Grid work without signal").
 *
 * - Registers the console's service worker (/console/needs/sw.js) and, on the "my needs" list
 *   with signal, asks it to keep that list and every need on it, so they can be read without
 *   signal; a kept page shows when it was synced.
 * - Every write from a need page (take, start, resolve with note and photos, a comment) and the
 *   proactive record form carry an Idempotency-Key. Without signal, the write is queued on the
 *   phone with its key and shown as waiting, with a count; it is replayed in order when the
 *   signal returns (and whenever a console page is opened) through the same views the console
 *   uses. A repeat is done once by the server. One the server refuses (someone else took it,
 *   the need moved) is shown with the server's reason and the note that was typed, until the
 *   worker dismisses it: nothing is dropped silently.
 * - Queued writes belong to the person who made them: another person logged in on the same
 *   phone replays none of them, and logging out asks first when some still wait.
 * Messages come from data- attributes of #c-offline, so they are translated with the page.
 */
(function () {
  "use strict";

  if (!("indexedDB" in window) || !window.fetch || !window.Promise || !window.civicgridDevice) {
    return;
  }

  var device = window.civicgridDevice;
  var inStore = device.store("civicgrid-console", 1, function (db, oldVersion) {
    if (oldVersion < 1) {
      db.createObjectStore("outbox", { keyPath: "key" });
      db.createObjectStore("refused", { keyPath: "key" });
    }
  });
  var KEEP_EVERY = 5 * 60 * 1000; // the list's pages are fetched again at most this often
  var STALE_AFTER = 90 * 1000; // a page older than this is a kept copy: say when it was synced
  var box = null;
  var user = "";
  var sentNow = 0;
  var keptNow = null;

  /* --- Small helpers ----------------------------------------------------------------------- */

  function text(name, values) {
    var s = box.dataset[name] || "";
    Object.keys(values || {}).forEach(function (k) {
      s = s.replace("{" + k + "}", values[k]);
    });
    return s;
  }

  function when(ms) {
    var lang = document.documentElement.lang || undefined;
    var at = new Date(ms);
    var options = { hour: "2-digit", minute: "2-digit" };
    if (at.toDateString() !== new Date().toDateString()) {
      options.month = "numeric";
      options.day = "numeric";
    }
    try {
      return at.toLocaleString(lang, options);
    } catch (e) {
      return at.toLocaleString(undefined, options);
    }
  }

  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    try {
      return JSON.parse(headers)["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function all(storeName) {
    return inStore(storeName, "readonly", function (store) {
      return store.getAll();
    }).then(function (items) {
      return items
        .filter(function (item) {
          return item.user === user;
        })
        .sort(function (a, b) {
          return a.queuedAt - b.queuedAt;
        });
    });
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (content) {
      node.textContent = content;
    }
    return node;
  }

  /* --- Saying what is kept, waiting and refused -------------------------------------------- */

  function describe(item) {
    return item.label + " · " + item.number + " · " + when(item.queuedAt);
  }

  // On a need's page, an action waiting to be sent is not offered again, and what may follow
  // it (start and resolve after a take) is offered already: the server rendered those forms
  // hidden, each naming the action it follows.
  function showWhatFollows(waiting) {
    var detail = document.getElementById("need-detail");
    if (!detail) {
      return;
    }
    waiting.forEach(function (item) {
      var action = /\/act\/(\w+)\/$/.exec(item.url);
      if (item.number !== detail.dataset.need || !action) {
        return;
      }
      detail.querySelectorAll('form[data-action="' + action[1] + '"]').forEach(function (form) {
        form.hidden = true;
      });
      detail.querySelectorAll('form[data-after="' + action[1] + '"]').forEach(function (form) {
        form.hidden = false;
      });
    });
  }

  function render() {
    return Promise.all([all("outbox"), all("refused")]).then(function (found) {
      var waiting = found[0];
      var refused = found[1];
      showWhatFollows(waiting);
      box.textContent = "";
      var lines = [];
      var rendered = Number(box.dataset.rendered) * 1000;
      var offline = !navigator.onLine;
      if (offline || Date.now() - rendered > STALE_AFTER) {
        lines.push(
          el("p", "c-offline-synced", text(offline ? "offlineSynced" : "synced", { time: when(rendered) }))
        );
      }
      if (keptNow !== null) {
        lines.push(el("p", "c-offline-kept", text("kept", { n: keptNow, time: when(Date.now()) })));
      }
      if (sentNow) {
        lines.push(el("p", "c-offline-sent", text("sent", { n: sentNow })));
      }
      if (waiting.length) {
        lines.push(el("p", "c-offline-waiting", text("waiting", { n: waiting.length })));
        var list = el("ul", "c-offline-list");
        waiting.forEach(function (item) {
          list.appendChild(el("li", "c-waiting-item", describe(item)));
        });
        lines.push(list);
      }
      if (refused.length) {
        lines.push(el("p", "c-offline-refused", text("refused", { n: refused.length })));
        var refusals = el("ul", "c-offline-list");
        refused.forEach(function (item) {
          var li = el("li", "c-refused-item");
          li.appendChild(el("strong", "", describe(item)));
          li.appendChild(el("span", "c-refused-reason", item.reason));
          if (item.note) {
            li.appendChild(el("span", "c-refused-note", text("note", { note: item.note })));
          }
          var dismiss = el("button", "button c-dismiss", text("dismiss"));
          dismiss.type = "button";
          dismiss.dataset.key = item.key;
          li.appendChild(dismiss);
          refusals.appendChild(li);
        });
        lines.push(refusals);
      }
      lines.forEach(function (line) {
        box.appendChild(line);
      });
      box.hidden = lines.length === 0;
      box.classList.toggle("has-refused", refused.length > 0);
    });
  }

  /* --- Queueing what is done without signal ------------------------------------------------ */

  function labelOf(form) {
    var summary = form.querySelector("summary");
    var button = form.querySelector("button[type=submit]");
    return ((summary || button || {}).textContent || form.dataset.action || "").trim();
  }

  function noteOf(form) {
    var note = form.querySelector("textarea");
    return note ? note.value.trim() : "";
  }

  function numberOf(form) {
    var detail = form.closest("[data-need]") || document.querySelector("[data-need]");
    return detail ? detail.dataset.need : "";
  }

  function queue(form, url, kind) {
    var item = {
      key: form.dataset.once || device.newKey(),
      user: user,
      url: url,
      kind: kind,
      number: numberOf(form),
      label: labelOf(form),
      note: noteOf(form),
      entries: device.entriesOf(form),
      queuedAt: Date.now(),
    };
    return all("outbox")
      .then(function (waiting) {
        // The same action on the same need queued twice (a second tap) waits once.
        var again = waiting.some(function (other) {
          return other.url === item.url && /\/act\//.test(item.url);
        });
        if (again) {
          return null;
        }
        return inStore("outbox", "readwrite", function (store) {
          return store.put(item);
        });
      })
      .then(function () {
        delete form.dataset.once; // the next write from this form is a new one
        form.reset();
        var open = form.querySelector("details[open]");
        if (open) {
          open.open = false;
        }
        return render();
      })
      .then(function () {
        var first = box.querySelector(".c-offline-waiting");
        box.scrollIntoView({ block: "nearest" });
        (first || box).setAttribute("tabindex", "-1");
        (first || box).focus();
      });
  }

  function writeForm(elt) {
    return elt && elt.closest ? elt.closest("form.action-form") : null;
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var form = writeForm(event.detail.elt);
    if (!form || event.detail.verb !== "post") {
      return;
    }
    form.dataset.once = form.dataset.once || device.newKey();
    event.detail.headers["Idempotency-Key"] = form.dataset.once;
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = writeForm(event.detail.elt);
    if (form && !navigator.onLine) {
      event.preventDefault();
      queue(form, form.getAttribute("hx-post"), "htmx");
    }
  });

  // The request did not get an answer: it may or may not have reached the server. Queued with
  // the same key, the replay is done at most once either way.
  document.addEventListener("htmx:sendError", function (event) {
    var form = writeForm(event.detail.elt);
    if (form) {
      queue(form, form.getAttribute("hx-post"), "htmx");
    }
  });

  // A full-page form that may be filled in without signal (proactive work).
  function setupPageForm(form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.plain) {
        return;
      }
      event.preventDefault();
      form.dataset.once = form.dataset.once || device.newKey();
      var url = form.getAttribute("action") || location.pathname + location.search;
      if (!navigator.onLine) {
        queue(form, url, "page");
        return;
      }
      var item = { key: form.dataset.once, url: url, kind: "page", entries: device.entriesOf(form) };
      send(item).then(function (result) {
        if (result.state === "done") {
          location.assign(result.url);
        } else if (result.state === "later") {
          queue(form, url, "page");
        } else {
          form.dataset.plain = "1"; // the server shows what to correct: a plain post
          form.submit();
        }
      });
    });
  }

  /* --- Sending what waits ------------------------------------------------------------------- */

  function reasonIn(html, status) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var found = page.querySelectorAll("[data-error], .field-error, .errorlist li");
    var reasons = [];
    found.forEach(function (node) {
      var said = node.textContent.trim();
      if (said && reasons.indexOf(said) < 0) {
        reasons.push(said);
      }
    });
    return reasons.join(" ") || text("status", { status: status });
  }

  // "done" (with the page's address), "later" (no signal, busy, logged out) or "refused".
  function send(item) {
    var headers = { "Idempotency-Key": item.key, "X-CSRFToken": csrfToken() };
    if (item.kind === "htmx") {
      headers["HX-Request"] = "true";
    }
    return fetch(item.url, {
      method: "POST",
      body: device.formData(item.entries, ["csrfmiddlewaretoken"]),
      headers: headers,
      credentials: "same-origin",
    })
      .then(function (response) {
        if (response.redirected && new URL(response.url).pathname === box.dataset.login) {
          return { state: "later", login: true };
        }
        if (response.status === 429 || response.status >= 500) {
          return { state: "later" };
        }
        if (response.ok) {
          return { state: "done", url: response.url };
        }
        return response.text().then(function (html) {
          return { state: "refused", reason: reasonIn(html, response.status) };
        });
      })
      .catch(function () {
        return { state: "later" };
      });
  }

  var sending = false;

  function sendWaiting() {
    if (sending || !navigator.onLine) {
      return Promise.resolve();
    }
    sending = true;
    var touched = {};
    return all("outbox")
      .then(function (items) {
        var chain = Promise.resolve(true);
        items.forEach(function (item) {
          chain = chain.then(function (goOn) {
            return goOn ? sendOne(item, touched) : false;
          });
        });
        return chain;
      })
      .then(
        function () {
          sending = false;
          return afterSending(touched);
        },
        function () {
          sending = false;
        }
      );
  }

  function sendOne(item, touched) {
    return send(item).then(function (result) {
      if (result.state === "later") {
        if (result.login) {
          box.dataset.mustLogin = "1";
        }
        return false;
      }
      touched[item.number] = true;
      var next = Promise.resolve();
      if (result.state === "done") {
        sentNow += 1;
      } else {
        item.reason = result.reason;
        next = inStore("refused", "readwrite", function (store) {
          return store.put(item);
        });
      }
      return next
        .then(function () {
          return inStore("outbox", "readwrite", function (store) {
            return store.delete(item.key);
          });
        })
        .then(function () {
          return true;
        });
    });
  }

  // The need on screen changed: show it as it is now.
  function afterSending(touched) {
    var detail = document.getElementById("need-detail");
    if (detail && touched[detail.dataset.need] && window.htmx) {
      window.htmx.ajax("GET", location.pathname, { target: "#need-detail", swap: "outerHTML" });
    }
    return render().then(function () {
      if (box.dataset.mustLogin) {
        box.appendChild(el("p", "c-offline-login", text("relogin")));
        box.hidden = false;
      }
    });
  }

  /* --- Keeping the list and its needs on the phone ------------------------------------------ */

  function keepList() {
    if (!navigator.onLine || !navigator.serviceWorker || !navigator.serviceWorker.controller) {
      return;
    }
    var urls = [location.pathname + location.search];
    document.querySelectorAll("tr[data-number] a[href]").forEach(function (a) {
      urls.push(a.getAttribute("href"));
    });
    document.querySelectorAll("a[data-keep-page]").forEach(function (a) {
      urls.push(a.getAttribute("href")); // the proactive record form, where it is offered
    });
    var signature = user + "|" + urls.join(" ");
    var last = JSON.parse(localStorage.getItem("civicgrid-console-kept") || "{}");
    if (last.signature === signature && Date.now() - last.at < KEEP_EVERY) {
      keptNow = last.count;
      return render();
    }
    var channel = new MessageChannel();
    channel.port1.onmessage = function (event) {
      keptNow = Math.min(event.data.kept || 0, document.querySelectorAll("tr[data-number]").length);
      localStorage.setItem(
        "civicgrid-console-kept",
        JSON.stringify({ signature: signature, at: Date.now(), count: keptNow })
      );
      render();
    };
    navigator.serviceWorker.controller.postMessage(
      { type: "keep", urls: urls, notKept: text("notKept") },
      [channel.port2]
    );
  }

  function forgetPages() {
    localStorage.removeItem("civicgrid-console-kept");
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "forget" });
    }
    if (window.caches) {
      return caches.keys().then(function (keys) {
        return Promise.all(
          keys
            .filter(function (k) {
              return k.indexOf("civicgrid-console-") === 0;
            })
            .map(function (k) {
              return caches.delete(k);
            })
        );
      });
    }
    return Promise.resolve();
  }

  /* --- Start -------------------------------------------------------------------------------- */

  function start() {
    box = document.getElementById("c-offline");
    if (!box) {
      return; // not logged in
    }
    user = box.dataset.user;
    // Another person's pages are not shown to this one: a new person on this phone starts clean.
    var before = localStorage.getItem("civicgrid-console-user");
    if (before && before !== user) {
      forgetPages();
    }
    localStorage.setItem("civicgrid-console-user", user);
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker
        .register(box.dataset.worker, { scope: box.dataset.scope })
        .catch(function () {});
    }

    box.addEventListener("click", function (event) {
      var key = event.target.dataset && event.target.dataset.key;
      if (key) {
        inStore("refused", "readwrite", function (store) {
          return store.delete(key);
        }).then(render);
      }
    });

    document.querySelectorAll("form[data-offline-queue]").forEach(setupPageForm);

    var logout = document.querySelector("form.logout");
    if (logout) {
      logout.addEventListener("submit", function (event) {
        event.preventDefault();
        all("outbox").then(function (waiting) {
          if (waiting.length && !window.confirm(text("logout", { n: waiting.length }))) {
            return;
          }
          forgetPages().then(function () {
            localStorage.removeItem("civicgrid-console-user");
            logout.submit();
          });
        });
      });
    }

    render().then(sendWaiting);
    window.addEventListener("online", function () {
      render().then(sendWaiting);
    });
    window.addEventListener("offline", render);

    // "My needs" asks for itself, its needs and the proactive form to be kept.
    if (document.querySelector("[data-keep]") && navigator.serviceWorker) {
      navigator.serviceWorker.ready.then(function () {
        if (navigator.serviceWorker.controller) {
          keepList();
        } else {
          navigator.serviceWorker.addEventListener("controllerchange", function () {
            keepList();
          });
        }
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
