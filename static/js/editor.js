// The practice note editor: EasyMDE on the text field, with a toolbar of
// text labels (no icon font), the preview rendered by the portal itself
// (POST /practices/preview, the same pipeline as the published note), and the
// personal-data panel kept up to date while writing. Without JavaScript the
// page is a plain form with a Preview button; this script only adds to it.
(function () {
  "use strict";

  var textarea = document.getElementById("f-body");
  if (!textarea || typeof window.EasyMDE === "undefined") {
    return;
  }
  var form = textarea.form;
  var csrfField = form.querySelector('input[name="_csrf"]');
  var labelsBlock = document.getElementById("editor-labels");
  var labels = {};
  try {
    labels = JSON.parse(labelsBlock ? labelsBlock.textContent : "{}");
  } catch (e) {
    labels = {};
  }
  var label = function (key, fallback) {
    return labels[key] || fallback;
  };

  var button = function (name, action, text, title) {
    return { name: name, action: action, text: text, title: title, className: "md-button md-" + name, noDisable: name === "preview" };
  };
  var toolbar = [
    button("bold", EasyMDE.toggleBold, label("bold", "B"), label("bold.title", "Bold")),
    button("italic", EasyMDE.toggleItalic, label("italic", "I"), label("italic.title", "Italic")),
    button("heading", EasyMDE.toggleHeadingSmaller, label("heading", "H"), label("heading.title", "Heading")),
    "|",
    button("quote", EasyMDE.toggleBlockquote, label("quote", "“ ”"), label("quote.title", "Quote")),
    button("unordered-list", EasyMDE.toggleUnorderedList, label("list", "•"), label("list.title", "List")),
    button("ordered-list", EasyMDE.toggleOrderedList, label("numbered", "1."), label("numbered.title", "Numbered list")),
    button("link", EasyMDE.drawLink, label("link", "Link"), label("link.title", "Link")),
    button("table", EasyMDE.drawTable, label("table", "Table"), label("table.title", "Table")),
    "|",
    button("undo", EasyMDE.undo, label("undo", "↶"), label("undo.title", "Undo")),
    button("redo", EasyMDE.redo, label("redo", "↷"), label("redo.title", "Redo")),
    "|",
    button("preview", EasyMDE.togglePreview, label("preview", "Preview"), label("preview.title", "Preview")),
    button("side-by-side", EasyMDE.toggleSideBySide, label("side", "Side by side"), label("side.title", "Side by side"))
  ];

  // The preview and the panel follow the text, at most once every 1.5 s:
  // each request counts against the rate limit, like a save.
  var timer = null;
  var lastSent = null;
  var previewElement = null;
  var shown = null; // the text whose HTML the preview shows

  var flagsPanel = document.getElementById("safety-flags");
  var showFlags = function (data) {
    if (!flagsPanel) {
      return;
    }
    flagsPanel.textContent = "";
    if (!data.flags || data.flags.length === 0) {
      var none = document.createElement("p");
      none.className = "flags-none";
      none.textContent = label("none", "");
      flagsPanel.appendChild(none);
      return;
    }
    var count = document.createElement("p");
    count.className = "flags-count";
    var strong = document.createElement("strong");
    strong.textContent = data.count;
    count.appendChild(strong);
    flagsPanel.appendChild(count);
    var list = document.createElement("ul");
    list.className = "flags";
    data.flags.forEach(function (f) {
      var li = document.createElement("li");
      li.className = "flag";
      var kind = document.createElement("strong");
      kind.textContent = f.kind;
      li.appendChild(kind);
      var field = document.createElement("span");
      field.className = "muted";
      field.textContent = " (" + f.field + "): ";
      li.appendChild(field);
      var q = document.createElement("q");
      q.appendChild(document.createTextNode(f.before));
      var mark = document.createElement("mark");
      mark.textContent = f.match;
      q.appendChild(mark);
      q.appendChild(document.createTextNode(f.after));
      li.appendChild(q);
      list.appendChild(li);
    });
    flagsPanel.appendChild(list);
  };

  var fieldValue = function (name) {
    var el = form.querySelector('[name="' + name + '"]');
    return el ? el.value : "";
  };

  var send = function (text) {
    var body = new URLSearchParams();
    body.set("body", text);
    body.set("title", fieldValue("title"));
    body.set("summary", fieldValue("summary"));
    body.set("slug", textarea.getAttribute("data-slug") || "");
    lastSent = text;
    fetch("/practices/preview", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfField ? csrfField.value : "", "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString()
    }).then(function (res) {
      if (!res.ok) {
        throw new Error(String(res.status));
      }
      return res.json();
    }).then(function (data) {
      if (previewElement) {
        // The server's HTML, sanitized by the same policy as the note page.
        previewElement.innerHTML = data.html;
        shown = text;
      }
      showFlags(data);
    }).catch(function () {
      if (previewElement) {
        previewElement.textContent = label("failed", "");
      }
    });
  };

  var schedule = function (text) {
    if (text === lastSent && text === shown) {
      return;
    }
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { send(text); }, 1500);
  };

  var mde = new EasyMDE({
    element: textarea,
    autoDownloadFontAwesome: false,
    spellChecker: false,
    nativeSpellcheck: true,
    forceSync: true,
    autosave: { enabled: false },
    toolbar: toolbar,
    status: ["lines", "words"],
    minHeight: "18rem",
    sideBySideFullscreen: false,
    promptURLs: false,
    inputStyle: "contenteditable",
    previewClass: ["editor-preview", "practice-body"],
    previewRender: function (text, preview) {
      previewElement = preview;
      if (text !== shown) {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () { send(text); }, shown === null ? 0 : 600);
      }
      return preview.innerHTML || "";
    }
  });

  // Label the toolbar and the text area for screen readers.
  var wrapper = mde.codemirror.getWrapperElement();
  var bar = wrapper.parentNode.querySelector(".editor-toolbar");
  if (bar) {
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", label("toolbar", "Formatting"));
    // The accessible name says what the button does, and starts with what
    // it shows (speech control users say what they see).
    bar.querySelectorAll("button").forEach(function (b) {
      var text = (b.textContent || "").trim();
      var title = (b.title || "").replace(/\s*\(.*\)$/, "");
      // Every word shown must be a word of the name (axe's
      // label-content-name-mismatch): "Previzualizare" is not a word of
      // "Afișați previzualizarea".
      var words = title.toLowerCase().split(/[^\p{L}\p{N}]+/u);
      var shown = text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(function (w) { return w.length > 1; });
      var missing = shown.some(function (w) { return words.indexOf(w) < 0; });
      if (title && (missing || title.toLowerCase().indexOf(text.toLowerCase()) < 0)) {
        title = text + ": " + title;
      }
      if (title) {
        b.setAttribute("aria-label", title);
      }
    });
  }
  var input = mde.codemirror.getInputField();
  input.setAttribute("aria-label", label("text_area", "Text"));
  if (textarea.getAttribute("aria-describedby")) {
    input.setAttribute("aria-describedby", textarea.getAttribute("aria-describedby"));
  }
  input.setAttribute("lang", textarea.getAttribute("lang") || "");

  // The Preview button of the plain form is the toolbar's now.
  var previewButton = document.getElementById("preview-button");
  if (previewButton) {
    previewButton.hidden = true;
  }

  // The personal-data panel follows the text even without the preview open.
  var dirty = false;
  mde.codemirror.on("change", function () {
    dirty = true;
    schedule(mde.value());
  });
  ["title", "summary"].forEach(function (name) {
    var el = form.querySelector('[name="' + name + '"]');
    if (el) {
      el.addEventListener("input", function () { dirty = true; lastSent = null; schedule(mde.value()); });
    }
  });
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("submit", function () {
    dirty = false;
    mde.codemirror.save();
  });
  window.addEventListener("beforeunload", function (e) {
    if (dirty) {
      e.preventDefault();
      e.returnValue = label("unsaved", "");
    }
  });

  // Attachments: insert the Markdown of a file where the cursor is.
  document.querySelectorAll(".insert-file").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      mde.codemirror.replaceSelection(b.getAttribute("data-markdown"));
      mde.codemirror.focus();
    });
  });
}());
