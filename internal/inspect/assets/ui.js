// The inspector's script: filters the exchanges as you type, and, on the
// live page, fetches new exchanges (server-rendered, escaped HTML from the
// same origin) without a reload. The page reads the same without it.
(function () {
  "use strict";
  var list = document.getElementById("exchanges");
  var form = document.getElementById("filters");
  function filter() {
    if (!list || !form) { return; }
    var op = form.elements.op.value, verdict = form.elements.verdict.value;
    var q = form.elements.q.value.toLowerCase();
    var shown = 0;
    list.querySelectorAll("details.ex").forEach(function (ex) {
      var hide = (op && ex.dataset.op !== op) || (verdict && ex.dataset.verdict !== verdict) ||
        (q && ex.textContent.toLowerCase().indexOf(q) < 0);
      ex.hidden = !!hide;
      if (!hide) { shown++; }
    });
    var count = document.getElementById("shown");
    if (count) { count.textContent = String(shown); }
  }
  if (form) {
    form.addEventListener("input", filter);
    form.addEventListener("change", filter);
    form.addEventListener("submit", function (e) { e.preventDefault(); filter(); });
    filter();
  }
  var body = document.body, live = body.dataset.live, maxRows = 500;
  if (live && list) {
    var poll = function () {
      fetch(live + "?after=" + encodeURIComponent(body.dataset.last), { credentials: "same-origin" })
        .then(function (r) {
          var last = r.headers.get("X-Last-Seq");
          return r.text().then(function (html) {
            if (html.trim() !== "") {
              var head = list.querySelector(".head");
              head.insertAdjacentHTML("afterend", html);
              var empty = document.getElementById("empty");
              if (empty) { empty.remove(); }
              // A page left open for days keeps the newest, as the server does.
              var rows = list.querySelectorAll("details.ex");
              for (var i = maxRows; i < rows.length; i++) { rows[i].remove(); }
              filter();
            }
            if (last) { body.dataset.last = last; }
          });
        })
        .catch(function () {})
        .finally(function () { setTimeout(poll, 500); });
    };
    setTimeout(poll, 500);
  }
  var state = document.querySelector("[data-live-state]");
  if (state) {
    var refresh = function () {
      fetch(state.dataset.liveState, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null) { state.innerHTML = html; } })
        .catch(function () {})
        .finally(function () { setTimeout(refresh, 2000); });
    };
    setTimeout(refresh, 2000);
  }
})();
