"use strict";
// The query page: a YASGUI on this server's /sparql (nothing loaded from elsewhere), the project's
// prefixes for short IRIs in the results, and the named queries loaded into their own tabs.
(function () {
  const config = JSON.parse(document.getElementById("config").textContent);
  const words = config.words;
  const endpoint = window.location.origin + "/sparql";
  const status = document.getElementById("status");

  function say(text, isError) {
    status.textContent = text;
    status.className = isError ? "error" : "";
  }

  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: "rolegraph-" + window.location.host,
    // only completers that need no network: class, property (LOV) and prefix.cc lookups stay off
    yasqe: { value: config.defaultQuery, autocompleters: ["variables"] },
    yasr: { prefixes: config.prefixes },
  });
  window.rolegraphYasgui = yasgui;

  async function runNamed(form) {
    const params = new URLSearchParams();
    for (const input of form.querySelectorAll("input[name]")) {
      if (input.value !== "") params.set(input.name, input.value);
    }
    params.set("lang", document.getElementById("lang").value);
    params.set("format", "sparql");
    const name = form.dataset.name;
    say(name + ": " + words.js_running, false);
    try {
      const response = await fetch("/queries/" + encodeURIComponent(name) + "?" + params.toString());
      if (!response.ok) {
        const e = (await response.json()).error;
        say(e.status + ": " + e.message + (e.hint ? "\n" + words.js_hint + ": " + e.hint : ""), true);
        return;
      }
      const text = await response.text();
      const tab = yasgui.addTab(true, { name: name });
      tab.setEndpoint(endpoint);
      tab.setQuery(text);
      await tab.query();
      say(name + ": " + words.js_loaded, false);
    } catch (err) {
      say(words.js_failed + ": " + String(err), true);
    }
  }

  for (const form of document.querySelectorAll("form.named")) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      runNamed(form);
    });
  }
})();
