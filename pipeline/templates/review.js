// tei-pipeline review page: decide on each item with the mouse or the keyboard; decisions stay in
// the browser's local storage and are saved as JSON for `tei-pipeline apply`. Plain JavaScript.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("review-data").textContent);
  var storageKey = "tei-pipeline-review:" + data.batch;
  var rows = Array.prototype.slice.call(document.querySelectorAll(".item"));
  var byKey = {};
  rows.forEach(function (row) { byKey[row.dataset.key] = row; });
  var entities = {};
  data.entities.forEach(function (e) { entities[e.id] = e; });
  var decisions = load();
  var current = -1;
  var filters = ["document", "kind", "cert", "entity", "status"].map(function (name) {
    return document.getElementById("filter-" + name);
  });
  var LABELS = { accept: "accepted", reject: "rejected", edit: "edited" };

  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(storageKey) || "{}");
      return saved && typeof saved === "object" ? saved : {};
    } catch (e) {
      return {};
    }
  }

  function store() {
    try {
      window.localStorage.setItem(storageKey, JSON.stringify(decisions));
    } catch (e) {
      document.getElementById("progress-text").textContent += " (not stored: " + e.name + ")";
    }
  }

  function render(row) {
    var d = decisions[row.dataset.key];
    var state = row.querySelector(".state");
    row.dataset.decision = d ? d.decision : "";
    if (!d) {
      state.textContent = "";
      return;
    }
    var text = LABELS[d.decision];
    if (d.decision === "edit") {
      text += ": " + d.form;
      if (row.dataset.kind !== "unclear") {
        text += d.entity ? " (" + d.entity.name + ")" : " (no entity)";
      }
    }
    state.textContent = text;
  }

  function progress() {
    var done = 0;
    rows.forEach(function (row) { if (decisions[row.dataset.key]) { done += 1; } });
    document.getElementById("progress").value = done;
    document.getElementById("progress-text").textContent = done + " of " + rows.length + " decided";
  }

  function matches(row, values) {
    var status = decisions[row.dataset.key] ? "decided" : "open";
    var entity = row.dataset.entity || "-";
    return (!values[0] || row.dataset.document === values[0]) &&
      (!values[1] || row.dataset.kind === values[1]) &&
      (!values[2] || row.dataset.cert === values[2]) &&
      (!values[3] || entity === values[3]) &&
      (!values[4] || status === values[4]);
  }

  function applyFilters() {
    var started = performance.now();
    var values = filters.map(function (f) { return f.value; });
    var shown = 0;
    rows.forEach(function (row) {
      var visible = matches(row, values);
      if (row.hidden === visible) { row.hidden = !visible; }
      if (visible) { shown += 1; }
    });
    document.getElementById("shown").textContent = shown + " shown";
    window.reviewTimings.filter = performance.now() - started;
  }

  function select(index) {
    if (index < 0 || index >= rows.length) { return; }
    if (current >= 0 && rows[current]) { rows[current].classList.remove("current"); }
    current = index;
    rows[current].classList.add("current");
    rows[current].focus({ preventScroll: true });
    rows[current].scrollIntoView({ block: "nearest" });
  }

  function step(direction) {
    for (var i = current + direction; i >= 0 && i < rows.length; i += direction) {
      if (!rows[i].hidden) {
        select(i);
        return true;
      }
    }
    return false;
  }

  function decide(row, decision) {
    decisions[row.dataset.key] = decision;
    store();
    render(row);
    progress();
    var index = rows.indexOf(row);
    if (index === current) { step(1); }
    if (filters[4].value) { applyFilters(); }
  }

  function undo(row) {
    delete decisions[row.dataset.key];
    store();
    render(row);
    progress();
    if (filters[4].value) { applyFilters(); }
  }

  function fillEntities() {
    var list = document.getElementById("entity-list");
    if (list.childElementCount) { return; }
    var fragment = document.createDocumentFragment();
    data.entities.forEach(function (e) {
      var option = document.createElement("option");
      option.value = e.id;
      option.label = e.name + " (" + e.type + ")";
      fragment.appendChild(option);
    });
    list.appendChild(fragment);
  }

  function edit(row) {
    if (row.querySelector(".editor")) {
      row.querySelector(".edit-form").focus();
      return;
    }
    fillEntities();
    var d = decisions[row.dataset.key];
    var editor = document.createElement("div");
    editor.className = "editor";
    var form = document.createElement("input");
    form.className = "edit-form";
    form.setAttribute("aria-label", "right form");
    form.value = d && d.decision === "edit" ? d.form : row.querySelector(".proposed").textContent;
    editor.appendChild(labelled("Form", form));
    var entity = null;
    if (row.dataset.kind !== "unclear") {
      entity = document.createElement("input");
      entity.className = "edit-entity";
      entity.setAttribute("list", "entity-list");
      entity.setAttribute("aria-label", "entity id");
      entity.placeholder = "no entity";
      entity.value = d && d.decision === "edit" ? (d.entity ? d.entity.id : "") : row.dataset.entity;
      editor.appendChild(labelled("Entity", entity));
    }
    var keep = document.createElement("button");
    keep.type = "button";
    keep.textContent = "Keep";
    keep.dataset.action = "keep";
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.textContent = "Cancel";
    cancel.dataset.action = "cancel";
    var error = document.createElement("div");
    error.className = "error";
    editor.appendChild(keep);
    editor.appendChild(cancel);
    editor.appendChild(error);
    row.querySelector(".decision").appendChild(editor);
    form.focus();
    form.select();
  }

  function labelled(text, input) {
    var label = document.createElement("label");
    label.appendChild(document.createTextNode(text + " "));
    label.appendChild(input);
    return label;
  }

  function keepEdit(row) {
    var editor = row.querySelector(".editor");
    var form = editor.querySelector(".edit-form").value.replace(/\s+/g, " ").trim();
    var entityInput = editor.querySelector(".edit-entity");
    var id = entityInput ? entityInput.value.trim() : "";
    var error = editor.querySelector(".error");
    if (!form) {
      error.textContent = "Type the right form.";
      return;
    }
    if (id && !entities[id]) {
      error.textContent = "No entity " + id + ": pick one from the list, or leave it empty.";
      return;
    }
    var entity = id ? { id: id, name: entities[id].name, type: entities[id].type } : null;
    closeEdit(row);
    decide(row, { decision: "edit", form: form, entity: entity });
  }

  function closeEdit(row) {
    var editor = row.querySelector(".editor");
    if (editor) { editor.remove(); }
    row.focus({ preventScroll: true });
  }

  function save() {
    var out = [];
    rows.forEach(function (row) {
      var d = decisions[row.dataset.key];
      if (!d) { return; }
      var entry = {
        document: row.dataset.document,
        item: Number(row.dataset.item),
        kind: row.dataset.kind,
        reading: row.querySelector(".reading").textContent,
        proposed: row.querySelector(".proposed").textContent,
        decision: d.decision
      };
      if (d.decision === "edit") {
        entry.form = d.form;
        entry.entity = d.entity;
      }
      out.push(entry);
    });
    var file = {
      format: data.format,
      version: 1,
      batch: data.batch,
      saved: new Date().toISOString(),
      documents: data.documents,
      decisions: out
    };
    var blob = new Blob([JSON.stringify(file, null, 2) + "\n"], { type: "application/json" });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "review-decisions.json";
    document.body.appendChild(link);
    link.click();
    setTimeout(function () {
      URL.revokeObjectURL(link.href);
      link.remove();
    }, 1000);
  }

  document.getElementById("items").addEventListener("click", function (event) {
    var row = event.target.closest(".item");
    if (!row) { return; }
    var index = rows.indexOf(row);
    if (index !== current && !event.target.closest(".editor")) { select(index); }
    var button = event.target.closest("button");
    if (!button) { return; }
    var action = button.dataset.action;
    if (action === "accept" || action === "reject") { decide(row, { decision: action }); }
    if (action === "edit") { edit(row); }
    if (action === "keep") { keepEdit(row); }
    if (action === "cancel") { closeEdit(row); }
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var editor = target.closest ? target.closest(".editor") : null;
    if (editor) {
      var row = editor.closest(".item");
      if (event.key === "Enter") {
        event.preventDefault();
        keepEdit(row);
      } else if (event.key === "Escape") {
        event.preventDefault();
        closeEdit(row);
      }
      return;
    }
    if (/^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName) || event.ctrlKey || event.metaKey ||
        event.altKey) {
      return;
    }
    var handled = true;
    var here = rows[current];
    switch (event.key) {
      case "j": case "ArrowDown": if (!step(1) && current < 0) { step(1); } break;
      case "k": case "ArrowUp": step(-1); break;
      case "a": if (here) { decide(here, { decision: "accept" }); } break;
      case "r": if (here) { decide(here, { decision: "reject" }); } break;
      case "e": if (here) { edit(here); } break;
      case "u": if (here) { undo(here); } break;
      case "s": save(); break;
      default: handled = false;
    }
    if (handled) { event.preventDefault(); }
  });

  filters.forEach(function (f) { f.addEventListener("change", applyFilters); });
  document.getElementById("save").addEventListener("click", save);
  window.reviewTimings = {};
  rows.forEach(render);
  progress();
  applyFilters();
  if (rows.length) { select(0); window.scrollTo(0, 0); }
  window.reviewTimings.ready = performance.now();
}());
