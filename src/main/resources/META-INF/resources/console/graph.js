// The dependency graph: dagre lays it out left to right, cytoscape draws it (pan, zoom, click) and the console's
// event stream recolours the rules as their state changes.
(function () {
  var container = document.getElementById('graph');
  var selection = document.getElementById('selection');
  var search = document.getElementById('graph-search');
  var palette = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#bab0ac', '#e15759'];
  var colours = {};
  var cy;

  function colourOf(group) {
    if (!(group in colours)) {
      colours[group] = palette[Object.keys(colours).length % palette.length];
    }
    return colours[group];
  }

  function widthOf(node) {
    return Math.max(60, node.label.length * 6.5 + 16);
  }

  function layout(data) {
    var g = new dagre.graphlib.Graph({ multigraph: true });
    g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 120, edgesep: 8 });
    g.setDefaultEdgeLabel(function () { return {}; });
    data.nodes.forEach(function (n) { g.setNode(n.id, { width: widthOf(n), height: 30 }); });
    data.edges.forEach(function (e) { g.setEdge(e.source, e.target, {}, e.id); });
    dagre.layout(g);
    var positions = {};
    g.nodes().forEach(function (id) { var n = g.node(id); positions[id] = { x: n.x, y: n.y }; });
    return positions;
  }

  function rulePage(rule) {
    var date = container.dataset.date;
    return '/console/rules/' + encodeURIComponent(rule) + (date ? '?date=' + encodeURIComponent(date) : '');
  }

  function showRules(title, rules) {
    selection.replaceChildren();
    var heading = document.createElement('h2');
    heading.textContent = title;
    selection.appendChild(heading);
    var list = document.createElement('ul');
    rules.forEach(function (rule) {
      var item = document.createElement('li');
      var link = document.createElement('a');
      link.href = rulePage(rule);
      link.textContent = rule;
      item.appendChild(link);
      list.appendChild(item);
    });
    selection.appendChild(list);
  }

  function draw(data) {
    var positions = layout(data);
    var elements = data.nodes.map(function (n) {
      return { group: 'nodes', data: { id: n.id, label: n.label, kind: n.kind, team: n.group, colour: colourOf(n.group), width: widthOf(n) },
               position: positions[n.id] };
    }).concat(data.edges.map(function (e) {
      return { group: 'edges', data: { id: e.id, source: e.source, target: e.target, rule: e.rule, state: e.state, text: e.stateText },
               classes: e.state };
    }));
    cy = cytoscape({
      container: container,
      elements: elements,
      layout: { name: 'preset' },
      maxZoom: 1.5,
      style: [
        { selector: 'node', style: { 'shape': 'round-rectangle', 'background-color': 'data(colour)', 'label': 'data(label)',
          'color': '#fff', 'font-size': 11, 'text-valign': 'center', 'text-halign': 'center', 'width': 'data(width)',
          'height': 24 } },
        { selector: 'node[kind = "event"]', style: { 'shape': 'ellipse' } },
        { selector: 'node[kind = "task"]', style: { 'border-width': 2, 'border-color': '#333' } },
        { selector: 'edge', style: { 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', 'width': 2,
          'line-color': '#999', 'target-arrow-color': '#999', 'label': 'data(rule)', 'font-size': 9,
          'text-background-color': '#fff', 'text-background-opacity': 0.8 } },
        { selector: 'edge.fired', style: { 'line-color': '#2e7d32', 'target-arrow-color': '#2e7d32' } },
        { selector: 'edge.waiting, edge.ready, edge.starting', style: { 'line-color': '#f9a825', 'target-arrow-color': '#f9a825' } },
        { selector: 'edge.missed, edge.failed, edge.expired', style: { 'line-color': '#c62828', 'target-arrow-color': '#c62828' } },
        { selector: 'edge.disabled', style: { 'line-style': 'dotted' } },
        { selector: '.faded', style: { 'opacity': 0.15 } },
        { selector: 'node.match', style: { 'border-width': 4, 'border-color': '#000' } }
      ]
    });
    cy.on('tap', 'edge', function (event) { window.location.href = rulePage(event.target.data('rule')); });
    cy.on('tap', 'node', function (event) {
      var node = event.target;
      var incoming = node.incomers('edge').map(function (e) { return e.data('rule'); });
      var rules = incoming.length ? incoming : node.outgoers('edge').map(function (e) { return e.data('rule'); });
      rules = rules.filter(function (rule, i) { return rules.indexOf(rule) === i; });
      if (rules.length === 1) {
        window.location.href = rulePage(rules[0]);
      } else {
        showRules(node.data('label'), rules);
      }
    });
    window.batonGraph = cy;
    container.dataset.ready = 'true';
  }

  function recolour(data) {
    data.edges.forEach(function (e) {
      var edge = cy.getElementById(e.id);
      if (edge.nonempty()) {
        edge.classes(e.state);
        edge.data('state', e.state);
      }
    });
  }

  function load(then) {
    fetch(container.dataset.source, { credentials: 'same-origin' })
      .then(function (response) { return response.json(); })
      .then(then);
  }

  search.addEventListener('input', function () {
    var text = search.value.trim().toLowerCase();
    cy.elements().removeClass('faded match');
    if (!text) { cy.fit(undefined, 30); return; }
    var nodes = cy.nodes().filter(function (n) { return n.data('label').toLowerCase().indexOf(text) >= 0; });
    var edges = cy.edges().filter(function (e) { return e.data('rule').toLowerCase().indexOf(text) >= 0; });
    var hits = nodes.union(edges).union(edges.connectedNodes());
    if (hits.empty()) { return; }
    cy.elements().not(hits.union(nodes.connectedEdges())).addClass('faded');
    nodes.addClass('match');
    cy.fit(hits, 60);
  });

  load(draw);
  new EventSource('/console/stream').addEventListener('changed', function () { load(recolour); });
})();
