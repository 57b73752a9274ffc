// Copy, download and print buttons for what the portal shows once (an
// invitation link, an API token, recovery codes). The buttons are hidden
// until this script runs: without JavaScript the text can still be selected
// and copied by hand, and the page printed from the browser's menu.
(function () {
  "use strict";
  var textOf = function (id) {
    var el = document.getElementById(id);
    if (!el) { return ""; }
    return el.value !== undefined && el.tagName !== "UL" && el.tagName !== "OL" ? el.value : el.innerText.trim();
  };
  var say = function (button, text) {
    var status = button.parentNode.querySelector(".copy-status");
    if (!status) {
      status = document.createElement("span");
      status.className = "copy-status";
      status.setAttribute("role", "status");
      button.parentNode.appendChild(status);
    }
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  };
  var copy = function (button) {
    var id = button.getAttribute("data-copy"), text = textOf(id);
    var done = function () { say(button, button.getAttribute("data-copied") || ""); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallback(id, done); });
    } else {
      fallback(id, done);
    }
  };
  // Without the clipboard API (plain http): select the text and copy it.
  var fallback = function (id, done) {
    var el = document.getElementById(id);
    if (el && el.select) {
      el.focus();
      el.select();
    } else if (el) {
      var range = document.createRange();
      range.selectNodeContents(el);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
    }
    try {
      if (document.execCommand("copy")) { done(); }
    } catch (e) { /* the text stays selected for copying by hand */ }
  };
  var download = function (button) {
    var text = textOf(button.getAttribute("data-download")) + "\n";
    var a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], {type: "text/plain;charset=utf-8"}));
    a.download = button.getAttribute("data-filename") || "download.txt";
    document.body.appendChild(a);
    a.click();
    window.setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  };
  document.querySelectorAll("[data-copy], [data-download], [data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      if (button.hasAttribute("data-copy")) { copy(button); }
      if (button.hasAttribute("data-download")) { download(button); }
      if (button.hasAttribute("data-print")) { window.print(); }
    });
  });
})();
