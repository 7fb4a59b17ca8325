// The ops page: reads the funnel, the five measures and the stuck list with the entered token.
// Plain browser JavaScript, no build step and nothing loaded from other hosts.
(function () {
  'use strict';
  var RATES = [
    ['qualificationRate', 'Qualification rate'],
    ['proposalRate', 'Proposal rate'],
    ['closeRate', 'Close rate'],
    ['dormantRecovery', 'Dormant recovery'],
    ['handoffCompleteness', 'Handoff completeness'],
  ];
  var TOKEN_KEY = 'opportunity-path.token';
  var SVG = 'http://www.w3.org/2000/svg';
  var $ = function (id) {
    return document.getElementById(id);
  };
  var nextCursor = null;

  function el(tag, attrs, text) {
    var node = tag.indexOf('svg:') === 0 ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      node.setAttribute(k, attrs[k]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function api(path) {
    return fetch(path, { headers: { authorization: 'Bearer ' + $('token').value.trim() } }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(response.status + ' ' + (body.detail || body.title || 'error'));
        return body;
      });
    });
  }

  function isoOf(input) {
    return input.value ? new Date(input.value).toISOString() : null;
  }

  function withQuery(path, params) {
    var owner = $('owner').value.trim();
    if (owner) params.set('ownerId', owner);
    var query = params.toString();
    return path + (query ? '?' + query : '');
  }

  function funnelPath() {
    var params = new URLSearchParams();
    if (isoOf($('from'))) params.set('from', isoOf($('from')));
    if (isoOf($('to'))) params.set('to', isoOf($('to')));
    return withQuery('/v1/metrics/funnel', params);
  }

  function stuckPath(cursor) {
    var params = new URLSearchParams({ limit: '50' });
    if (cursor) params.set('cursor', cursor);
    return withQuery('/v1/ops/stuck', params);
  }

  // The API lists the stages in path order, so the page spells none of them out.
  function drawFunnel(counts) {
    var width = 640,
      barHeight = 22,
      gap = 6,
      labelWidth = 90,
      valueWidth = 40;
    var stages = Object.keys(counts);
    var max = Math.max.apply(
      null,
      stages
        .map(function (s) {
          return counts[s];
        })
        .concat([1]),
    );
    var svg = el('svg:svg', {
      width: width,
      height: stages.length * (barHeight + gap),
      role: 'img',
      'aria-label': 'Deals that entered each stage',
    });
    stages.forEach(function (stage, i) {
      var y = i * (barHeight + gap);
      var w = Math.round((counts[stage] / max) * (width - labelWidth - valueWidth));
      var row = el('svg:g', { 'data-stage': stage, 'data-count': String(counts[stage]) });
      row.appendChild(el('svg:text', { x: 0, y: y + 15 }, stage));
      row.appendChild(el('svg:rect', { class: 'bar', x: labelWidth, y: y, width: w, height: barHeight }));
      row.appendChild(el('svg:text', { x: labelWidth + w + 6, y: y + 15, class: 'count' }, String(counts[stage])));
      svg.appendChild(row);
    });
    $('funnel-chart').replaceChildren(svg);
  }

  /** Seconds as the largest whole units a person reads at a glance: 2 d 5 h, 3 h 10 min, 45 s. */
  function duration(seconds) {
    var units = [
      ['d', 86400],
      ['h', 3600],
      ['min', 60],
      ['s', 1],
    ];
    var parts = [];
    var rest = Math.round(seconds);
    units.forEach(function (unit) {
      var n = Math.floor(rest / unit[1]);
      if (n > 0 && parts.length < 2) {
        parts.push(n + ' ' + unit[0]);
        rest -= n * unit[1];
      }
    });
    return parts.length ? parts.join(' ') : '0 s';
  }

  function drawRates(funnel) {
    var list = $('rates');
    list.replaceChildren();
    RATES.concat([['handoffRecords', 'Handoff records present']]).forEach(function (pair) {
      var rate = pair[0] === 'handoffRecords' ? funnel.total.handoffRecords : funnel.total.rates[pair[0]];
      var shown = rate.value === null ? '—' : (rate.value * 100).toFixed(1) + '%';
      list.appendChild(el('dt', {}, pair[1]));
      var dd = el(
        'dd',
        { 'data-rate': pair[0], 'data-value': rate.value === null ? '' : String(rate.value) },
        shown + ' ',
      );
      dd.appendChild(el('small', {}, '(' + rate.numerator + ' / ' + rate.denominator + ')'));
      list.appendChild(dd);
    });
    var handoff = funnel.total.timeToHandoff;
    list.appendChild(el('dt', {}, 'Time from won to handed off'));
    var took = el(
      'dd',
      { 'data-rate': 'timeToHandoff', 'data-value': handoff.median === null ? '' : String(handoff.median) },
      handoff.median === null ? '— ' : 'median ' + duration(handoff.median) + ', p90 ' + duration(handoff.p90) + ' ',
    );
    took.appendChild(el('small', {}, '(' + handoff.deals + ' handed off)'));
    list.appendChild(took);
    $('period').textContent = funnel.period.from + ' → ' + funnel.period.to;
  }

  function drawStuck(page, append) {
    var body = $('stuck').querySelector('tbody');
    if (!append) body.replaceChildren();
    page.items.forEach(function (deal) {
      var tr = el('tr', { 'data-id': deal.id });
      tr.appendChild(el('td', {}, deal.company + ' · ' + deal.title));
      tr.appendChild(el('td', {}, deal.stage));
      tr.appendChild(el('td', {}, deal.ownerId));
      var why = el('ul');
      deal.reasons.forEach(function (r) {
        why.appendChild(el('li', { 'data-reason': r.code }, r.why));
      });
      var cell = el('td');
      cell.appendChild(why);
      tr.appendChild(cell);
      tr.appendChild(el('td', {}, new Date(deal.since).toLocaleString()));
      var link = el('td');
      if (deal.links.workflow)
        link.appendChild(el('a', { href: deal.links.workflow, target: '_blank', rel: 'noopener' }, 'Temporal UI'));
      tr.appendChild(link);
      body.appendChild(tr);
    });
    nextCursor = page.nextCursor;
    $('more').hidden = !nextCursor;
  }

  function load() {
    localStorage.setItem(TOKEN_KEY, $('token').value.trim());
    $('status').textContent = 'Loading…';
    return Promise.all([api(funnelPath()), api(stuckPath(null))])
      .then(function (results) {
        drawFunnel(results[0].total.counts);
        drawRates(results[0]);
        drawStuck(results[1], false);
        $('status').textContent = 'Loaded ' + new Date().toLocaleTimeString();
        document.body.setAttribute('data-loaded', 'true');
      })
      .catch(function (error) {
        $('status').textContent = 'Could not load: ' + error.message;
      });
  }

  $('token-form').addEventListener('submit', function (event) {
    event.preventDefault();
    load();
  });
  $('more').addEventListener('click', function () {
    api(stuckPath(nextCursor)).then(function (page) {
      drawStuck(page, true);
    });
  });
  var saved = localStorage.getItem(TOKEN_KEY);
  if (saved) {
    $('token').value = saved;
    load();
  }
})();
