// The organisation portal's member list upload: the same form as without JavaScript, sent
// with XMLHttpRequest so the page shows the upload's progress, then the server's progress
// through the lines (one JSON object per line: application/x-ndjson).
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  function fill(template, step) {
    return template.replace("{done}", step.done).replace("{total}", step.total);
  }
  ready(function () {
    var form = document.getElementById("import-form");
    if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
    var box = document.getElementById("import-progress");
    var upload = document.getElementById("upload-progress");
    var check = document.getElementById("check-progress");
    var status = document.getElementById("import-status");
    var problems = document.getElementById("import-problems");
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      var file = form.querySelector("input[type=file]");
      var consent = form.querySelector("input[type=checkbox]");
      if (!file.files.length || !consent.checked) { return; } // the server's page says why
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      var seen = 0;
      var finished = false;
      box.hidden = false;
      button.disabled = true;
      upload.value = 0;
      check.value = 0;
      problems.innerHTML = "";
      status.textContent = status.dataset.uploading;
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/x-ndjson");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { upload.value = Math.round(100 * e.loaded / e.total); }
      });
      xhr.upload.addEventListener("load", function () { upload.value = 100; });
      function handle(step) {
        if (step.stage === "upload") {
          upload.value = 100;
        } else if (step.stage === "check" || step.stage === "add") {
          // Checking the lines is the first half of the bar, adding the members the second.
          var share = step.total ? step.done / step.total : 1;
          check.value = Math.round(step.stage === "check" ? 50 * share : 50 + 50 * share);
          status.textContent = fill(step.stage === "check" ? status.dataset.checking : status.dataset.adding, step);
        } else if (step.stage === "done") {
          finished = true;
          check.value = 100;
          window.location.assign(step.redirect);
        } else if (step.stage === "refused") {
          finished = true;
          box.hidden = true;
          button.disabled = false;
          problems.innerHTML = step.html;
          var section = problems.querySelector("#problems");
          if (section) { section.focus(); }
        }
      }
      function consume() {
        var text = xhr.responseText;
        var end = text.lastIndexOf("\n");
        if (end < seen) { return; }
        text.slice(seen, end).split("\n").forEach(function (line) {
          if (line.trim()) { handle(JSON.parse(line)); }
        });
        seen = end + 1;
      }
      xhr.addEventListener("progress", consume);
      xhr.addEventListener("load", function () {
        try { consume(); } catch (e) { /* not our stream: an error page */ }
        if (!finished) { button.disabled = false; status.textContent = status.dataset.failed; }
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        status.textContent = status.dataset.failed;
      });
      xhr.send(new FormData(form));
    });
  });
})();
