// Polls the issuance progress of a case while its statement is being issued.
(function () {
  "use strict";
  var panel = document.getElementById("issuance");
  var status = document.getElementById("issuance-status");
  if (!panel || !status) { return; }
  var url = panel.getAttribute("data-progress-url");
  var steps = panel.querySelector(".progress");

  function show(data) {
    status.textContent = data.status_name || data.status || "";
    if (steps) { steps.setAttribute("data-status", data.status || ""); }
    if (data.pdf_url) {
      var result = document.getElementById("issuance-result");
      var link = document.createElement("a");
      link.href = data.pdf_url;
      link.className = "button";
      link.id = "download-statement";
      link.textContent = data.number + " (PDF)";
      result.replaceChildren(link);
      var state = document.getElementById("case-state");
      if (state) {
        state.textContent = data.case_state_name;
        state.className = "state big state-" + data.case_state;
      }
      return true;
    }
    if (data.status === "failed" && data.error) {
      var failed = document.getElementById("issuance-result");
      failed.textContent = data.error;
      failed.className = "error";
    }
    return data.status === "failed";
  }

  function poll() {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, 10000);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" },
                 signal: controller.signal })
      .then(function (r) {
        clearTimeout(timer);
        if (!r.ok || r.headers.get("Content-Type").indexOf("application/json") < 0) {
          throw new Error("not JSON (signed out?)");
        }
        return r.json();
      })
      .then(function (data) { if (!show(data)) { setTimeout(poll, 700); } })
      .catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();
