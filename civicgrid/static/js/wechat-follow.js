/* Follow a need in WeChat (docs/outreach.md, "WeChat").
 *
 * Inside WeChat only, on the receipt and the tracking page (the element [data-wechat-follow]):
 * 1. asks the server whether this need can be followed in WeChat (with the page's tracking key);
 * 2. when the browser does not know the resident's openid yet, goes once through the Official
 *    Account's silent login (snsapi_base: no prompt), which comes back to this page;
 * 3. else loads the JS-SDK, shows WeChat's own subscribe button (wx-open-subscribe) for the
 *    templates the server offers, and tells the server what the resident accepted in WeChat's
 *    dialog. Messages the resident did not accept still go to the phone.
 * Elsewhere (any other browser, no JavaScript) nothing changes: the messages go by text.
 * Words come from the element's data- attributes, translated with the page.
 */
(function () {
  "use strict";

  var box = document.querySelector("[data-wechat-follow]");
  if (!box || !/MicroMessenger/i.test(navigator.userAgent) || !window.fetch) {
    return;
  }
  var SIGNED_IN_ONCE = "civicgrid-wechat-signin";

  function key() {
    var k = new URLSearchParams(window.location.search).get("k");
    if (k) {
      return k;
    }
    var field = document.querySelector("input[name=k]");
    return field ? field.value : "";
  }

  function csrf() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function say(text) {
    var p = box.querySelector("[data-wechat-said]");
    p.textContent = text;
    box.hidden = false;
  }

  function page() {
    return window.location.href.split("#")[0];
  }

  function ask() {
    var query = new URLSearchParams({ k: key(), url: page() });
    return fetch(box.dataset.wechatFollow + "?" + query.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      return response.ok ? response.json() : { enabled: false };
    });
  }

  function accepted(details) {
    var body = new URLSearchParams({ k: key(), details: details || "" });
    return fetch(box.dataset.wechatFollow, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
      body: body,
    }).then(function (response) {
      return response.ok ? response.json() : { accepted: 0 };
    });
  }

  function loadSdk() {
    return new Promise(function (resolve, reject) {
      if (window.wx) {
        resolve(window.wx);
        return;
      }
      var script = document.createElement("script");
      script.src = box.dataset.sdk;
      script.onload = function () {
        if (window.wx) {
          resolve(window.wx);
        } else {
          reject(new Error("no wx"));
        }
      };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function subscribeButton(templates) {
    // WeChat draws the tag's button from a template of plain HTML.
    var tag = document.createElement("wx-open-subscribe");
    tag.setAttribute("template", templates.join(","));
    tag.id = "r-wechat-subscribe";
    var inner = document.createElement("script");
    inner.type = "text/wxtag-template";
    var button = document.createElement("button");
    button.textContent = box.dataset.ask;
    inner.textContent = button.outerHTML;
    tag.appendChild(inner);
    tag.addEventListener("success", function (event) {
      var details = event.detail && event.detail.subscribeDetails;
      accepted(typeof details === "string" ? details : JSON.stringify(details || {})).then(
        function (answer) {
          say(answer.accepted > 0 ? box.dataset.done : box.dataset.none);
        }
      );
    });
    tag.addEventListener("error", function () {
      say(box.dataset.none);
    });
    return tag;
  }

  function offer(answer) {
    box.hidden = false;
    if (answer.following > 0) {
      say(box.dataset.done);
    }
    // No button after all (the SDK did not load or WeChat refused its configuration): the box
    // stays only to say the resident already follows the need.
    function noButton() {
      box.hidden = !(answer.following > 0);
    }
    loadSdk()
      .then(function (wx) {
        wx.config(answer.config);
        wx.ready(function () {
          box.querySelector("[data-wechat-button]").appendChild(subscribeButton(answer.templates));
        });
        wx.error(noButton);
      })
      .catch(noButton);
  }

  ask()
    .then(function (answer) {
      if (!answer.enabled) {
        if (answer.following > 0) {
          say(box.dataset.done);
        }
        return;
      }
      if (!answer.identified) {
        // Once per visit: a login that brings no openid back is not tried in a loop.
        if (window.sessionStorage && !sessionStorage.getItem(SIGNED_IN_ONCE)) {
          sessionStorage.setItem(SIGNED_IN_ONCE, "1");
          window.location.replace(answer.signin);
        }
        return;
      }
      offer(answer);
    })
    .catch(function () {
      /* no signal or no answer: the messages go by text, as without WeChat */
    });
})();
