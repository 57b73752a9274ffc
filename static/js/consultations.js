// Consultations: autosave of the response form, character counters, and a
// few conveniences. Everything works without this script (the Save button,
// the browser's print); with it, nothing typed waits for a button.
(function () {
  "use strict";

  // Character counters for fields with a limit (data-limit): the count as
  // one types, and a warning past the limit. Nothing is cut off: text beyond
  // the limit is kept and the server says what to shorten.
  function counters(form) {
    var fmt = form ? form.getAttribute("data-count") : null;
    var over = form ? form.getAttribute("data-over") : null;
    document.querySelectorAll("[data-count-for]").forEach(function (out) {
      var field = document.getElementById(out.getAttribute("data-count-for"));
      if (!field || !fmt) { return; }
      var max = parseInt(field.getAttribute("data-limit"), 10) || 0;
      var update = function () {
        var n = Array.from(field.value.replace(/\r\n/g, "\n")).length;
        out.textContent = fmt.replace("{n}", n).replace("{max}", max) + (n > max ? " " + over : "");
        out.classList.toggle("over", n > max);
      };
      field.addEventListener("input", update);
      update();
    });
  }

  // Autosave: two seconds after typing stops, at most every ten seconds,
  // and when the page is left. The server answers with the new version; a
  // colleague's change to the same answer stops autosaving, so that the
  // Save button shows both texts.
  function autosave(form) {
    if (!form || form.getAttribute("data-autosave") !== "on" || !window.fetch) { return; }
    var status = document.getElementById("autosave-status");
    var version = form.querySelector("input[name=version]");
    var timer = null, last = 0, dirty = false, busy = false, stopped = false;
    var say = function (text) { if (status) { status.textContent = text; } };
    var body = function () {
      var data = new URLSearchParams(new FormData(form));
      data.set("go", "save");
      return data;
    };
    var save = function (leaving) {
      if (!dirty || busy || stopped) { return; }
      busy = true; dirty = false; last = Date.now();
      say(form.getAttribute("data-saving"));
      fetch(form.action, {
        method: "POST", body: body(), credentials: "same-origin", keepalive: !!leaving,
        headers: { "X-Autosave": "1", "Accept": "application/json" }
      }).then(function (res) {
        return res.json().then(function (reply) { return { status: res.status, reply: reply }; });
      }).then(function (r) {
        busy = false;
        if (r.reply.version && version) { version.value = r.reply.version; }
        var badge = document.getElementById("response-status");
        if (badge && r.reply.status && r.reply.saved) {
          badge.textContent = r.reply.status;
          badge.className = "badge status-" + r.reply.state;
        }
        say(r.reply.message || "");
        document.querySelectorAll(".question .field-error.live").forEach(function (el) { el.remove(); });
        Object.keys(r.reply.errors || {}).forEach(function (name) {
          var q = form.querySelector('[data-question="' + name + '"]');
          if (q && !q.querySelector(".field-error")) {
            var p = document.createElement("p");
            p.className = "field-error live";
            p.textContent = r.reply.errors[name];
            q.insertBefore(p, q.querySelector("input, textarea, .choices"));
          }
        });
        if (r.reply.conflict || r.reply.late || r.status === 403 || r.status === 409) { stopped = true; }
        if (dirty) { schedule(); }
      }).catch(function () {
        busy = false; dirty = true;
        say(form.getAttribute("data-failed"));
        schedule(10000);
      });
    };
    var schedule = function (wait) {
      clearTimeout(timer);
      var gap = Math.max(wait || 2000, 10000 - (Date.now() - last));
      timer = setTimeout(function () { save(false); }, gap);
    };
    var changed = function () { dirty = true; schedule(); };
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function () { clearTimeout(timer); stopped = true; });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { save(true); }
    });
  }

  // An optional single choice can be answered "nothing" again.
  function clearButtons() {
    document.querySelectorAll("[data-clear]").forEach(function (btn) {
      btn.hidden = false;
      btn.addEventListener("click", function () {
        var name = btn.getAttribute("data-clear");
        document.querySelectorAll('input[name="' + name + '"]').forEach(function (input) { input.checked = false; });
        btn.form && btn.form.dispatchEvent(new Event("change"));
      });
    });
  }

  function conveniences() {
    document.querySelectorAll(".print-button").forEach(function (btn) {
      btn.hidden = false;
      btn.addEventListener("click", function () { window.print(); });
    });
    // One submission per click: the server would store one anyway.
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) {
          setTimeout(function () { b.disabled = true; }, 0);
        });
      });
    });
    document.querySelectorAll("[data-confirm]").forEach(function (btn) {
      btn.addEventListener("click", function (ev) {
        if (!window.confirm(btn.getAttribute("data-confirm"))) { ev.preventDefault(); }
      });
    });
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  }

  var form = document.getElementById("response-form");
  counters(form);
  autosave(form);
  clearButtons();
  conveniences();
})();
