// adlab step-through player: turns a cell's static view of a trace into a player.
// Everything it shows was computed in Python and sent once (the JSON next to this script); a step
// only re-styles the graph (laid out once), rewrites a few texts and a window of the table.
(function () {
  "use strict";
  var NAME = "__adlabPlayer1";
  var MIN_SCALE = 0.75;  // the smallest a graph is drawn (16 px text: 12 px at least)
  var api = window[NAME];
  if (!api) {
    api = window[NAME] = makeApi();
  }
  var script = document.currentScript;
  var root = script && script.parentNode;
  if (root && root.classList && root.classList.contains("adl-player")) {
    api.init(root);
  } else {
    [].forEach.call(document.querySelectorAll(".adl-player:not([data-adl-ready])"), api.init);
  }

  function makeApi() {
    var SVGNS = "http://www.w3.org/2000/svg";
    var link = window.__adlabLink || (window.__adlabLink = { models: {}, views: {} });
    // arrows step, a triangle plays: no two controls look alike
    var ICONS = {
      start: "M1 2h2v12H1zM15 7H9V3L4 8l5 5V9h6z",
      back: "M15 7H7V3L2 8l5 5V9h8z",
      next: "M1 7h8V3l5 5-5 5V9H1z",
      play: "M4 2v12l10-6z",
      pause: "M3 2h4v12H3zM9 2h4v12H9z"
    };

    function el(tag, attrs, text) {
      var e = document.createElement(tag);
      for (var k in attrs || {}) {
        if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]);
      }
      if (text !== undefined) e.textContent = text;
      return e;
    }

    function svgEl(tag, attrs) {
      var e = document.createElementNS(SVGNS, tag);
      for (var k in attrs) e.setAttribute(k, attrs[k]);
      return e;
    }

    function icon(name) {
      var s = svgEl("svg", { viewBox: "0 0 16 16", "aria-hidden": "true", focusable: "false" });
      s.appendChild(svgEl("path", { d: ICONS[name] }));
      return s;
    }

    function button(cls, iconName, label, title) {
      var b = el("button", { type: "button", "class": "adl-btn " + cls, title: title });
      if (iconName) b.appendChild(icon(iconName));
      b.appendChild(el("span", {}, label));
      return b;
    }

    // the entry of a timeline [[step, text, pending], ...] in force at step k
    function pick(timeline, k) {
      var lo = 0, hi = timeline.length - 1, best = 0;
      while (lo <= hi) {
        var mid = (lo + hi) >> 1;
        if (timeline[mid][0] <= k) { best = mid; lo = mid + 1; } else { hi = mid - 1; }
      }
      return timeline[best];
    }

    function decodeDataUri(src) {
      var comma = src.indexOf(",");
      var head = src.slice(0, comma), body = src.slice(comma + 1);
      if (/;base64$/.test(head)) {
        var bin = atob(body), bytes = new Uint8Array(bin.length);
        for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        return new TextDecoder("utf-8").decode(bytes);
      }
      return decodeURIComponent(body);
    }

    function setText(node, text) {
      if (node && node.textContent !== text) node.textContent = text;
    }

    function init(root) {
      if (root.getAttribute("data-adl-ready")) return;
      var dataNode = root.querySelector("script.adl-data");
      if (!dataNode) return;
      try {
        build(root, JSON.parse(dataNode.textContent));
        root.setAttribute("data-adl-ready", "1");
      } catch (error) {
        // keep the static view: it still shows the finished trace
        if (window.console) console.error("adlab player:", error);
      }
    }

    function build(root, data) {
      var staticView = root.querySelector(".adl-static-wrap");
      var total = 0;
      data.panels.forEach(function (p) { total = Math.max(total, p.steps.length); });
      var last = total - 1;
      var state = { k: Math.min(Math.max(data.step || 0, 0), last), playing: false, timer: null,
                    full: false, model: null };

      var ui = el("div", { "class": "adl-ui" });
      // -- the controls
      var bar = el("div", { "class": "adl-bar", role: "toolbar", "aria-label": "Step through the trace" });
      var start = button("adl-start", "start", "Start", "Back to step 0 (Home)");
      var back = button("adl-back", "back", "Back", "Previous step (←)");
      var next = button("adl-next", "next", "Next", "Next step (→)");
      var play = button("adl-play", "play", "Play", "Play the steps one after the other (Space)");
      var speedLabel = el("label", { "class": "adl-speed-label", title: "How fast Play steps" });
      speedLabel.appendChild(el("span", {}, "Speed "));
      var speed = el("select", { "class": "adl-speed" });
      data.speeds.forEach(function (s) {
        var o = el("option", { value: s[1] }, s[0]);
        if (s[1] === data.interval) o.selected = true;
        speed.appendChild(o);
      });
      if (!speed.value) speed.value = String(data.speeds[1][1]);
      speedLabel.appendChild(speed);
      var slider = el("input", { type: "range", "class": "adl-slider", min: 0, max: last, step: 1,
                                 value: state.k, "aria-label": "Step", title: "Drag to any step" });
      var count = el("span", { "class": "adl-count", "aria-live": "polite" });
      var legendButton = button("adl-legend-btn", null, "Legend", "What the colours and marks mean");
      legendButton.setAttribute("aria-expanded", "false");
      var tableButton = button("adl-table-btn", null, "Full table",
                               "Show every row of the trace (or only the rows around this step)");
      tableButton.setAttribute("aria-pressed", "false");
      [start, back, next, play, speedLabel, slider, count, legendButton].forEach(function (c) {
        bar.appendChild(c);
      });
      if (data.table) bar.appendChild(tableButton);
      ui.appendChild(bar);

      var legend = el("div", { "class": "adl-legend", hidden: "" });
      [["adl-sw-cur", "computed in this step"], ["adl-sw-read", "read by this step"],
       ["adl-sw-res", "a result (y and the derivatives)"],
       ["adl-sw-q", "? = " + data.pending + " (dashed box: its value)"],
       ["adl-sw-back", "an adjoint flowing back along an edge (reverse mode)"],
       ["adl-sw-in", "input (bold border)"], ["adl-sw-out", "output y (double border)"]]
        .forEach(function (entry) {
          var item = el("span", { "class": "adl-legend-item" });
          item.appendChild(el("span", { "class": "adl-sw " + entry[0], "aria-hidden": "true" },
                              entry[0] === "adl-sw-q" ? "?" : ""));
          item.appendChild(el("span", {}, entry[1]));
          legend.appendChild(item);
        });
      ui.appendChild(legend);
      if (data.note) ui.appendChild(el("div", { "class": "adl-note" }, data.note));

      var panelsBox = el("div", { "class": "adl-panels" + (data.panels.length > 1 ? " adl-multi" : "") });
      var panels = data.panels.map(function (p) { return makePanel(p); });
      panels.forEach(function (p) { panelsBox.appendChild(p.box); });
      ui.appendChild(panelsBox);

      function makePanel(p) {
        var box = el("div", { "class": "adl-panel" });
        var head = null;
        if (data.panels.length > 1) {
          head = el("div", { "class": "adl-ptitle" });
          head.appendChild(el("b", {}, p.title));
          head.appendChild(el("span", { "class": "adl-ops" }));
          box.appendChild(head);
        }
        var caption = el("div", { "class": "adl-caption" });
        box.appendChild(caption);
        var main = el("div", { "class": "adl-main" });
        box.appendChild(main);
        var panel = { p: p, box: box, head: head, caption: caption, nodes: [], edges: {},
                      marked: [], overlay: null, tbody: null, table: null, tablebox: null };
        if (p.message) main.appendChild(el("div", { "class": "adl-message" }, p.message));
        if (p.graph && staticView) {
          var img = staticView.querySelector('img[data-adl-image="' + p.image + '"]');
          var graphBox = el("div", { "class": "adl-graph" });
          graphBox.innerHTML = decodeDataUri(img.getAttribute("src"));
          var svg = graphBox.querySelector("svg");
          svg.setAttribute("role", "img");
          svg.setAttribute("aria-label", img.getAttribute("alt") || "computation graph");
          [].forEach.call(svg.querySelectorAll("title"), function (t) { t.remove(); });
          [].forEach.call(svg.querySelectorAll("g.node"), function (g) {
            var i = parseInt(g.id.slice(p.prefix.length + 1), 10);
            panel.nodes[i] = { g: g, texts: g.querySelectorAll("text") };
          });
          [].forEach.call(svg.querySelectorAll("g.edge"), function (g) {
            panel.edges[g.id.slice(p.prefix.length)] = g;
          });
          // shrink a wide graph to fit, but never below MIN_SCALE of its size (text stays
          // readable from the back of a hall): beyond that it scrolls, following the step
          var natural = parseFloat(svg.getAttribute("width"));
          if (natural > 0) svg.style.minWidth = Math.round(natural * MIN_SCALE) + "px";
          panel.graphBox = graphBox;
          var layer = svg.querySelector("g.graph") || svg;
          panel.overlay = svgEl("g", { "class": "adl-overlay" });
          layer.appendChild(panel.overlay);
          main.appendChild(graphBox);
        }
        if (data.table) {
          var tablebox = el("div", { "class": "adl-tablebox" });
          var table = el("table", { "class": "adl-table" });
          var colgroup = el("colgroup");
          for (var c = 0; c < 3; c++) colgroup.appendChild(el("col"));
          table.appendChild(colgroup);
          var thead = el("thead");
          var hr = el("tr");
          hr.appendChild(el("th", { title: "the step that computes the row" }, "step"));
          hr.appendChild(el("th", {}, "row of the trace"));
          hr.appendChild(el("th", {}, "value"));
          thead.appendChild(hr);
          table.appendChild(thead);
          panel.tbody = el("tbody");
          table.appendChild(panel.tbody);
          tablebox.appendChild(table);
          main.appendChild(tablebox);
          panel.table = table;
          panel.tablebox = tablebox;
        }
        return panel;
      }

      // -- the rows around the current one (or all of them)
      function rowsOf(panel, k, st) {
        var rows = panel.p.rows, n = rows.length;
        var size = state.full ? n : Math.min(data.window, n);
        var current = st.row === undefined ? -1 : st.row;
        var first = state.full ? 0 : Math.max(0, Math.min(current - (size >> 1), n - size));
        var read = {}, result = {};
        (st.rr || []).forEach(function (r) { read[r] = 1; });
        (st.rres || []).forEach(function (r) { result[r] = 1; });
        var body = el("tbody");
        var section = null;
        for (var r = first; r < first + size; r++) {
          var row = rows[r];
          if (state.full && row[0] !== section) {
            section = row[0];
            var sec = el("tr", { "class": "adl-sec" });
            sec.appendChild(el("td", { colspan: 3 }, panel.p.sections[section]));
            body.appendChild(sec);
          }
          var done = r < k;
          var cls = done ? "adl-done" : "adl-pend";
          if (read[r]) cls += " adl-read";
          if (r === current) cls += " adl-cur";
          if (result[r]) cls += " adl-res";
          var tr = el("tr", { "class": cls, "data-row": r });
          tr.appendChild(el("td", { "class": "adl-num" }, String(r + 1)));
          var text = done ? row[2] : row[1];
          tr.appendChild(el("td", { title: text }, text));
          tr.appendChild(el("td", { title: done ? "" : data.pending }, done ? row[3] : "?"));
          body.appendChild(tr);
        }
        panel.table.replaceChild(body, panel.tbody);
        panel.tbody = body;
        if (state.full && current >= 0) {
          var tr2 = body.querySelector('tr[data-row="' + current + '"]');
          var box = panel.tablebox;
          if (tr2) {
            var top = tr2.offsetTop, bottom = top + tr2.offsetHeight;
            if (top < box.scrollTop + 30 || bottom > box.scrollTop + box.clientHeight) {
              box.scrollTop = Math.max(0, top - box.clientHeight / 2);
            }
          }
        }
      }

      // -- one panel at step k
      function showPanel(panel, k) {
        var p = panel.p;
        var kk = Math.min(k, p.steps.length - 1);
        var st = p.steps[kk];
        panel.box.classList.toggle("adl-final", !!st.fin);
        panel.caption.innerHTML = st.c;
        if (panel.head) {
          var ops = st.o || [0, 0];
          setText(panel.head.querySelector(".adl-ops"), "operations so far: " + ops[0] +
                  " primal + " + ops[1] + " " + p.derivative + (k > kk ? " (done)" : ""));
        }
        if (panel.nodes.length) {
          panel.marked.forEach(function (g) {
            g.classList.remove("adl-cur", "adl-read", "adl-res", "adl-fwd", "adl-back");
          });
          panel.marked = [];
          for (var i = 0; i < panel.nodes.length; i++) {
            var node = panel.nodes[i];
            if (!node) continue;
            var value = pick(p.nodes[i][0], kk), deriv = pick(p.nodes[i][1], kk);
            setText(node.texts[1], value[1]);
            setText(node.texts[2], deriv[1]);
            node.g.classList.toggle("adl-pv", !!value[2]);
            node.g.classList.toggle("adl-pd", !!deriv[2]);
          }
          var mark = function (g, cls) { if (g) { g.classList.add(cls); panel.marked.push(g); } };
          (st.r || []).forEach(function (i) { mark(panel.nodes[i] && panel.nodes[i].g, "adl-read"); });
          (st.n || []).forEach(function (i) { mark(panel.nodes[i] && panel.nodes[i].g, "adl-cur"); });
          (st.res || []).forEach(function (i) { mark(panel.nodes[i] && panel.nodes[i].g, "adl-res"); });
          while (panel.overlay.firstChild) panel.overlay.removeChild(panel.overlay.firstChild);
          (st.e || []).forEach(function (e) {
            var g = panel.edges[e[0]];
            mark(g, e[1] < 0 ? "adl-back" : "adl-fwd");
            if (g && e[1] < 0) backArrow(panel, g, st.f);
          });
          follow(panel, (st.n || [])[0]);
        }
        if (panel.tbody) rowsOf(panel, kk, st);
      }

      // an arrowhead at the tail of an edge (the adjoint flows from the edge's head back to its
      // tail) and the amount it carries, on a label at the edge's middle
      function backArrow(panel, g, label) {
        var path = g.querySelector("path");
        if (!path || !path.getTotalLength) return;
        var length = path.getTotalLength();
        if (!length) return;
        var a = path.getPointAtLength(0), b = path.getPointAtLength(Math.min(8, length));
        var dx = b.x - a.x, dy = b.y - a.y, d = Math.sqrt(dx * dx + dy * dy) || 1;
        dx /= d; dy /= d;
        var size = 11, half = 5;
        var points = [a.x, a.y, a.x + dx * size - dy * half, a.y + dy * size + dx * half,
                      a.x + dx * size + dy * half, a.y + dy * size - dx * half];
        panel.overlay.appendChild(svgEl("polygon", { "class": "adl-arrow", points: points.join(" ") }));
        if (!label) return;
        // the label beside the edge's middle, on the side where it covers no node
        var m = path.getPointAtLength(length / 2);
        var c = path.getPointAtLength(Math.min(length / 2 + 4, length));
        var tx = c.x - m.x, ty = c.y - m.y, tl = Math.sqrt(tx * tx + ty * ty) || 1;
        var nx = -ty / tl, ny = tx / tl;
        var group = svgEl("g", { "class": "adl-label" });
        var text = svgEl("text", { x: m.x, y: m.y, "text-anchor": "middle" });
        text.textContent = label;
        group.appendChild(text);
        panel.overlay.appendChild(group);
        var box = text.getBBox();
        var w = box.width + 8, h = box.height + 2;
        var reach = Math.abs(nx) * w / 2 + Math.abs(ny) * h / 2 + 5;
        var boxes = panel.nodes.filter(Boolean).map(function (node) { return node.g.getBBox(); });
        var candidates = [1, -1].map(function (side) {
          var cx = m.x + side * nx * reach, cy = m.y + side * ny * reach;
          var r = { x: cx - w / 2, y: cy - h / 2, width: w, height: h };
          var overlap = boxes.filter(function (b) {
            return r.x < b.x + b.width && b.x < r.x + r.width && r.y < b.y + b.height && b.y < r.y + r.height;
          }).length;
          return { r: r, overlap: overlap };
        });
        var best = candidates[1].overlap < candidates[0].overlap ? candidates[1] : candidates[0];
        text.setAttribute("x", best.r.x + w / 2);
        text.setAttribute("y", best.r.y + h / 2 + (box.y + box.height / 2 < m.y ? m.y - box.y - box.height / 2 : 0));
        var placed = text.getBBox();
        group.insertBefore(svgEl("rect", { x: placed.x - 4, y: placed.y - 1, width: placed.width + 8,
                                           height: placed.height + 2, rx: 4 }), text);
      }

      // -- the whole player at step k
      function follow(panel, i) {
        // a graph wider than its box scrolls sideways to keep the current node in view
        var box = panel.graphBox, node = panel.nodes[i];
        if (!box || !node || box.scrollWidth <= box.clientWidth) return;
        var b = box.getBoundingClientRect(), n = node.g.getBoundingClientRect();
        box.scrollLeft += (n.left + n.width / 2) - (b.left + b.width / 2);
      }

      function show(k, fromModel) {
        k = Math.min(Math.max(k | 0, 0), last);
        state.k = k;
        slider.value = k;
        count.textContent = "Step " + k + " of " + last;
        back.disabled = start.disabled = k === 0;
        next.disabled = k === last;
        panels.forEach(function (panel) { showPanel(panel, k); });
        if (state.model && !fromModel && state.model.get("step") !== k) {
          try {
            state.model.set("step", k);
            state.model.save_changes();
          } catch (error) { /* the kernel is gone: the page keeps stepping on its own */ }
        }
      }

      function setPlaying(on) {
        state.playing = on;
        clearTimeout(state.timer);
        play.replaceChild(icon(on ? "pause" : "play"), play.firstChild);
        play.lastChild.textContent = on ? "Pause" : "Play";
        play.setAttribute("aria-pressed", on ? "true" : "false");
        if (on) tick();
      }

      function tick() {
        state.timer = setTimeout(function () {
          if (!state.playing) return;
          if (state.k >= last) { setPlaying(false); return; }
          show(state.k + 1);
          if (state.k >= last) setPlaying(false); else tick();
        }, parseInt(speed.value, 10) || 900);
      }

      start.addEventListener("click", function () { setPlaying(false); show(0); });
      back.addEventListener("click", function () { setPlaying(false); show(state.k - 1); });
      next.addEventListener("click", function () { setPlaying(false); show(state.k + 1); });
      play.addEventListener("click", function () {
        if (state.playing) { setPlaying(false); return; }
        if (state.k >= last) show(0);
        setPlaying(true);
      });
      slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); });
      legendButton.addEventListener("click", function () {
        var open = legend.hasAttribute("hidden");
        if (open) legend.removeAttribute("hidden"); else legend.setAttribute("hidden", "");
        legendButton.setAttribute("aria-expanded", open ? "true" : "false");
      });
      tableButton.addEventListener("click", function () {
        state.full = !state.full;
        tableButton.setAttribute("aria-pressed", state.full ? "true" : "false");
        tableButton.lastChild.textContent = state.full ? "Rows near this step" : "Full table";
        panels.forEach(function (panel) {
          if (panel.tablebox) panel.tablebox.classList.toggle("adl-full", state.full);
        });
        show(state.k, true);
      });
      root.setAttribute("tabindex", "0");
      root.setAttribute("role", "group");
      root.setAttribute("aria-label", "Step-through player of the " +
                        data.panels.map(function (p) { return p.mode; }).join(" and ") +
                        " trace: ← and → step, Home and End jump, Space plays");
      root.addEventListener("keydown", function (event) {
        var tag = event.target.tagName;
        if (tag === "SELECT" || tag === "INPUT" || tag === "TEXTAREA") return;
        var key = event.key;
        if (key === "ArrowRight") { setPlaying(false); show(state.k + 1); }
        else if (key === "ArrowLeft") { setPlaying(false); show(state.k - 1); }
        else if (key === "Home") { setPlaying(false); show(0); }
        else if (key === "End") { setPlaying(false); show(last); }
        else if (key === " " && tag !== "BUTTON") { play.click(); }
        else return;
        event.preventDefault();
        event.stopPropagation();
      });
      // a click anywhere in the player (not on a control) gives it the keyboard
      root.addEventListener("mousedown", function (event) {
        if (!event.target.closest("button,select,input")) {
          setTimeout(function () { root.focus({ preventScroll: true }); }, 0);
        }
      });

      // -- fixed sizes, so that nothing moves between steps: column widths from the widest
      // texts, the caption as tall as the tallest caption
      function measure() {
        panels.forEach(function (panel) {
          if (panel.table) {
            var probe = el("table", { "class": "adl-table adl-probe", "aria-hidden": "true" });
            var rows = panel.p.rows, widest = [["step", "row of the trace", "value"]];
            var longest = function (index) {
              return rows.map(function (row, r) { return [String(r + 1), row[index], row[3]]; })
                .sort(function (x, y) { return y[1].length - x[1].length; }).slice(0, 4);
            };
            widest = widest.concat(longest(2), longest(1));
            rows.map(function (row) { return ["", "", row[3]]; })
              .sort(function (x, y) { return y[2].length - x[2].length; }).slice(0, 3)
              .forEach(function (w) { widest.push(w); });
            widest.push([String(rows.length), "", "?"]);
            widest.forEach(function (w, r) {
              var tr = el("tr", { "class": r ? "adl-cur" : "" });
              w.forEach(function (text) { tr.appendChild(el(r ? "td" : "th", {}, text)); });
              probe.appendChild(tr);
            });
            panel.tablebox.appendChild(probe);
            var widths = [].map.call(probe.rows[0].cells, function (cell) {
              return Math.ceil(cell.getBoundingClientRect().width) + 2;
            });
            probe.remove();
            // beside the graph only if the whole table fits there, else below it; in a column
            // narrower than the table the formulas give way (ellipsis; the full text is a tooltip)
            var room = panel.box.clientWidth - 2;
            if (room > 0 && widths[0] + widths[1] + widths[2] > room) {
              widths[1] = Math.max(120, room - widths[0] - widths[2]);
            }
            var cols = panel.table.querySelectorAll("col");
            var sum = 0;
            widths.forEach(function (w, c) { cols[c].style.width = w + "px"; sum += w; });
            panel.table.style.width = sum + "px";
            panel.tablebox.style.flex = "0 1 " + sum + "px";
          }
          var tallest = 0;
          var probeCaption = el("div", { "class": "adl-caption adl-probe-caption", "aria-hidden": "true" });
          probeCaption.style.width = panel.caption.clientWidth + "px";
          panel.box.appendChild(probeCaption);
          panel.p.steps.forEach(function (st) {
            probeCaption.innerHTML = st.c;
            tallest = Math.max(tallest, probeCaption.offsetHeight);
          });
          probeCaption.remove();
          panel.caption.style.minHeight = tallest + "px";
        });
      }

      // -- the kernel link (an anywidget model registered by bridge.js), when there is one
      var view = {
        root: root,
        bind: function (model) {
          state.model = model;
          model.on("change:step", function () {
            if (state.model === model && model.get("step") !== state.k) show(model.get("step"), true);
          });
          if (model.get("step") !== state.k) show(model.get("step"), true);
        },
        unbind: function (model) { if (state.model === model) state.model = null; }
      };
      if (data.key) {
        var views = (link.views[data.key] || []).filter(function (v) { return v.root.isConnected; });
        views.push(view);
        link.views[data.key] = views;
      }

      root.insertBefore(ui, root.firstChild);
      if (staticView) staticView.remove();
      measure();
      show(state.k, true);
      if (data.key && link.models[data.key]) view.bind(link.models[data.key]);
      var width = root.clientWidth;
      if (window.ResizeObserver) {
        new ResizeObserver(function () {
          if (Math.abs(root.clientWidth - width) > 4) { width = root.clientWidth; measure(); }
        }).observe(root);
      }
    }

    return { init: init };
  }
})();
