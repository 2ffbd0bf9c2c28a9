// Client-side search over the static index in _catalog/search/ (written by
// stowage publish; the format is described in lib/site/site.h).
// A query downloads only the few small index nodes on the path of its
// longest word (and, for several words, of its words joined), never the
// whole catalog. lib/site/search.cc (stowage search --site) does the same;
// keep the two in step.
(function () {
  "use strict";
  var MAX = 25;
  var root = document.querySelector("link[rel=stylesheet]").getAttribute("href").replace(/_catalog\/stowage\.css$/, "");
  var input = document.getElementById("q");
  var results = document.getElementById("results");
  var status = document.getElementById("status");
  var cache = {};

  function words(text) { return text.toLowerCase().split(/[^a-z0-9]+/).filter(function (w) { return w.length > 0; }); }

  function node(prefix) {
    if (!(prefix in cache)) {
      cache[prefix] = fetch(root + "_catalog/search/n/" + prefix + ".json").then(function (r) {
        return r.ok ? r.json() : null;
      }).catch(function () { return null; });
    }
    return cache[prefix];
  }

  // The node that answers `word`: descend while the node is split and the
  // word is longer than its prefix.
  function lookup(word, prefix) {
    return node(prefix).then(function (n) {
      if (n && n.split && prefix.length < word.length) return lookup(word, word.slice(0, prefix.length + 1));
      return n;
    });
  }

  function candidates(n, word) {
    if (!n) return [];
    if (!n.words) return n.top;
    var seen = {}, out = [];
    Object.keys(n.words).forEach(function (t) {
      if (t.lastIndexOf(word, 0) !== 0) return;
      n.words[t].forEach(function (i) { if (!seen[i]) { seen[i] = true; out.push(n.repos[i]); } });
    });
    return out;
  }

  function rank(list, query) {
    var q = query.toLowerCase();
    function exact(r) { var name = r[0]; return name === q || name.split("/").pop() === q || name === "library/" + q; }
    return list.slice().sort(function (a, b) {
      return (exact(b) - exact(a)) || ((b[3] & 1) - (a[3] & 1)) || (b[2] - a[2]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
    });
  }

  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }

  function show(list, query) {
    results.textContent = "";
    list.slice(0, MAX).forEach(function (r) {
      var li = el("li", "card"), h = el("h3"), a = el("a", null, r[0]);
      a.href = root + "r/" + r[0] + "/index.html";
      h.appendChild(a);
      [[1, "official", "OFFICIAL"], [2, "automated", "AUTOMATED"], [4, "signed", "SIGNED"]].forEach(function (b) {
        if (r[3] & b[0]) { h.appendChild(document.createTextNode(" ")); h.appendChild(el("span", "badge " + b[1], b[2])); }
      });
      li.appendChild(h);
      li.appendChild(el("p", null, r[1]));
      li.appendChild(el("p", "meta", "★ " + r[2]));
      results.appendChild(li);
    });
    status.textContent = list.length === 0 ? "No repositories match \u201c" + query + "\u201d." :
      (list.length > MAX ? "Showing the best " + MAX + " of " + list.length : list.length) + " repositor" + (list.length === 1 ? "y" : "ies") + " match \u201c" + query + "\u201d.";
  }

  // Matches: the repositories with a word that starts with the longest word
  // and whose text holds the other words; for several words, also those
  // with a word that starts with the words joined ("acme/api-app":
  // "acmeapiapp"; the index has every name's words joined) and whose text
  // holds every word, when that lookup ends on a leaf. The joined lookup
  // finds a full name even when its longest word alone ends on a split
  // node, whose "top" is only the best 25 for that word.
  var latest = 0;
  function search() {
    var query = input.value.trim(), ws = words(query), ticket = ++latest;
    if (ws.length === 0) { results.textContent = ""; status.textContent = "Type to search."; return; }
    var longest = ws.reduce(function (a, b) { return b.length > a.length ? b : a; });
    var others = ws.filter(function (w) { return w !== longest; });
    var joined = ws.length > 1 ? ws.join("") : "";
    Promise.all([lookup(longest, longest[0]), joined ? lookup(joined, joined[0]) : null]).then(function (found) {
      if (ticket !== latest) return;
      var seen = Object.create(null), list = [];
      function add(n, word, must) {
        candidates(n, word).forEach(function (r) {
          var text = (r[0] + " " + r[1]).toLowerCase();
          if (seen[r[0]] || !must.every(function (w) { return text.indexOf(w) >= 0; })) return;
          seen[r[0]] = true;
          list.push(r);
        });
      }
      add(found[0], longest, others);
      if (found[1] && !found[1].split) add(found[1], joined, ws);
      show(rank(list, query), query);
    });
  }

  input.addEventListener("input", search);
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { input.value = initial; }
  search();
})();
